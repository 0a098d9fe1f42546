/**
 * The CLI's settings: values from the command line and from a JSON config file, checked
 * and merged (flags win) by the option table (src/options), then turned into
 * EmulatorOptions. Pure: no process, no I/O except reading the files the settings name,
 * so every rule here is unit-testable.
 */
import * as path from 'node:path';
import { checkAzureHubOptions } from '../broker/azureHub';
import type { EmulatorOptions } from '../emulator';
import { parseJsonObject, readFlagFile } from '../flagFile';
import { OptionError, UsageError } from '../optionError';
import { listenAddress, mergeSettings, settingsFromFile, settingsFromFlags, DEFAULT_TCP, ValueProblem, type HostPort, type RawFlags, type Settings } from '../options';
import { loadProfileFile, type TimingProfile } from '../profile';

export { mergeSettings, settingsFromFlags, UsageError, DEFAULT_TCP, type HostPort, type RawFlags };

/** Everything the CLI can be told (typed from the option table); undefined means "not said here". */
export type CliSettings = Settings;


/** `port`, `host:port` or `[v6]:port`; a bare port means 127.0.0.1. */
export function parseListenAddress(value: string, label: string): HostPort {
  try {
    return listenAddress(value);
  } catch (err) {
    if (err instanceof ValueProblem) throw new UsageError(`${label}: ${err.message}`, label);
    throw err;
  }
}

/** Parses a config file's text; `name` labels every error so the user knows where to look. */
export function parseConfigText(text: string, name: string, dir = '.'): CliSettings {
  return settingsFromFile(parseJsonObject(text, name, (m) => new UsageError(m, '--config')), name, dir);
}

export function loadConfigFile(file: string): CliSettings {
  const text = readFlagFile(file, '--config', (m) => new UsageError(m, '--config'));
  return parseConfigText(text, file, path.dirname(path.resolve(file)));
}

/** The CA files named by --broker-ca-cert and --broker-ca-key (both or neither). */
function readBrokerCa(s: CliSettings): EmulatorOptions['brokerCa'] {
  if (s.brokerCaCert === undefined && s.brokerCaKey === undefined) return undefined;
  if (s.brokerCaCert === undefined || s.brokerCaKey === undefined) throw new UsageError('--broker-ca-cert and --broker-ca-key go together', '--broker-ca-cert');
  const read = (file: string, label: string) => readFlagFile(file, label, (m) => new UsageError(m, label));
  return { cert: read(s.brokerCaCert, '--broker-ca-cert'), key: read(s.brokerCaKey, '--broker-ca-key') };
}

function loadProfile(file: string): TimingProfile {
  try {
    return loadProfileFile(file);
  } catch (err) {
    if (err instanceof OptionError) throw err;
    throw new UsageError((err as Error).message, '--profile-file');
  }
}

/** The hub's devices with --azure-hub-host's name (which wins over the file's). */
function azureHub(s: CliSettings): EmulatorOptions['azureHub'] {
  if (!s.azureHub) return undefined;
  if (s.azureHubHost === undefined) return s.azureHub;
  try {
    return checkAzureHubOptions({ ...s.azureHub, hostName: s.azureHubHost });
  } catch (err) {
    throw new UsageError(`--azure-hub: ${(err as Error).message}`, '--azure-hub');
  }
}

/** `result.json` → `result.trace.jsonl`: where --scenario-trace puts the run's trace. */
export function scenarioTracePath(result: string): string {
  return result.replace(/\.json$/i, '') + '.trace.jsonl';
}

/** --trace FILE, or the scenario's trace next to its result; --trace-max-bytes bounds it. */
function traceOptions(s: CliSettings): EmulatorOptions['trace'] {
  const file = s.trace ?? (s.scenarioTrace && s.scenarioResult !== undefined ? scenarioTracePath(s.scenarioResult) : undefined);
  if (file === undefined) {
    if (s.traceMaxBytes !== undefined) throw new UsageError('--trace-max-bytes needs --trace (or --scenario-trace)', '--trace-max-bytes');
    return undefined;
  }
  return s.traceMaxBytes !== undefined ? { file, maxBytes: s.traceMaxBytes } : { file };
}

/** The library's options for these settings (logger added by the caller). */
export function toEmulatorOptions(s: CliSettings): EmulatorOptions {
  // A shard is a part of a fleet (src/cli/fleet.ts takes it); one modem has no part.
  if (s.shard !== undefined) throw new UsageError('--shard needs --modems: a shard is a part of a fleet', '--shard');
  const opts: EmulatorOptions = {
    stateDir: s.stateDir,
    // The file names its own base profile and wins over a profile name.
    profile: s.profileFile !== undefined ? loadProfile(s.profileFile) : s.profile,
    seed: s.seed,
    control: s.control ? { ...s.control, token: s.controlToken, ...(s.controlDte ? { dte: true } : {}) } : undefined,
    trace: traceOptions(s),
    resetOnConnect: s.resetOnConnect,
    modem: s.modem,
    broker: s.broker,
    brokerPort: s.brokerPort,
    brokerTlsPort: s.brokerTlsPort,
    brokerCa: readBrokerCa(s),
    exportCa: s.exportCa,
    map: s.map,
    cipMqttPorts: s.cipMqttPorts,
    azureHub: azureHub(s),
  };
  if (s.brokerAuth) opts.brokerAuth = s.brokerAuth;
  // With stdio the TCP listener stays off unless asked for (and asking is refused above).
  if (s.tcp) opts.tcp = s.tcp;
  else if (s.stdio) opts.tcp = false;
  if (s.pty) opts.pty = s.pty;
  if (s.serial) opts.serial = { path: s.serial, baudRate: s.baud ?? 115200, parity: s.parity ?? 'none', rtscts: s.rtscts ?? false };
  else if (s.baud !== undefined || s.parity !== undefined) opts.line = { baudRate: s.baud, parity: s.parity };
  if (s.pace) opts.pace = true;
  return opts;
}
