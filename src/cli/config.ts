/**
 * The CLI's settings: values from the command line and from a JSON config file, checked
 * and merged (flags win), then turned into EmulatorOptions. Pure: no process, no I/O
 * except reading the config file, so every rule here is unit-testable.
 */
import * as path from 'node:path';
import { checkAzureHubOptions, parseDeviceList, type AzureDevice, type AzureHubOptions } from '../broker/azureHub';
import type { EmulatorOptions } from '../emulator';
import { parseJsonObject, readFlagFile } from '../flagFile';
import { LOG_LEVELS, type LogLevel } from '../log';
import { mergeModemConfig, type ModemConfig } from '../modem/config';
import { loadProfileFile, PROFILES, type TimingProfile } from '../profile';
import { BrokerRouter } from '../net/routing';
import { PARITIES, type Parity } from '../uart/uart';

/** A problem with how the CLI was called: one line on stderr, exit code 2. */
export class UsageError extends Error {}

export interface HostPort {
  host: string;
  port: number;
}

export const DEFAULT_TCP: HostPort = { host: '127.0.0.1', port: 2323 };

/** Everything the CLI can be told; undefined means "not said here". */
export interface CliSettings {
  tcp?: HostPort;
  stdio?: boolean;
  /** The pty's symlink path. */
  pty?: string;
  /** The serial device. */
  serial?: string;
  baud?: number;
  parity?: Parity;
  rtscts?: boolean;
  pace?: boolean;
  stateDir?: string;
  profile?: string;
  /** A profile file: a base profile and figures that override it. */
  profileFile?: string;
  seed?: number;
  /** The control API's address; a token when it is not loopback. */
  control?: HostPort;
  controlToken?: string;
  scenario?: string;
  scenarioResult?: string;
  logLevel?: LogLevel;
  resetOnConnect?: boolean;
  /** A fleet of this many modems in one process (docs/fleet.md). */
  modems?: number;
  broker?: string;
  brokerPort?: number;
  /** false: no TLS listener. */
  brokerTlsPort?: number | false;
  /** Files holding the embedded broker's CA certificate and key (PEM). */
  brokerCaCert?: string;
  brokerCaKey?: string;
  exportCa?: string;
  map?: string[];
  cipMqttPorts?: number[];
  modem?: Partial<ModemConfig>;
  azureHub?: AzureHubOptions;
}

/** Commander's option values, as strings (validation happens here, not in commander). */
export interface RawFlags {
  tcp?: string | true;
  stdio?: boolean;
  pty?: string;
  serial?: string;
  baud?: string;
  parity?: string;
  rtscts?: boolean;
  pace?: boolean;
  config?: string;
  stateDir?: string;
  logLevel?: string;
  profile?: string;
  profileFile?: string;
  seed?: string;
  control?: string;
  controlToken?: string;
  scenario?: string;
  scenarioResult?: string;
  resetOnConnect?: boolean;
  modems?: string;
  broker?: string;
  brokerPort?: string;
  brokerTlsPort?: string;
  brokerCaCert?: string;
  brokerCaKey?: string;
  exportCa?: string;
  map?: string[];
  cipMqttPorts?: string;
  azureHub?: string[];
  azureHubHost?: string;
}

// ---- single values ------------------------------------------------------------------

/** `port`, `host:port` or `[v6]:port`; a bare port means 127.0.0.1. */
export function parseListenAddress(value: string, label: string): HostPort {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):)?(\d{1,5})$/.exec(value.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`${label}: "${value}" is not [host:]port`);
  const host = m[1] ? m[1].replace(/^\[(.*)\]$/, '$1') : DEFAULT_TCP.host;
  return { host, port };
}

function parsePort(value: string | number, label: string): number {
  const n = typeof value === 'number' ? value : /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${label}: "${value}" is not a port number (0..65535, 0 = any free port)`);
  return n;
}

/** A port, or `off` (false in a config file) for no TLS listener. */
function parseTlsPort(value: string | number | false, label: string): number | false {
  if (value === false || value === 'off') return false;
  if (typeof value === 'string' && !/^\d{1,5}$/.test(value.trim())) throw new UsageError(`${label}: "${value}" is not a port number (0..65535, 0 = any free port) or off`);
  return parsePort(value, label);
}

function checkLogLevel(value: string, label: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new UsageError(`${label}: "${value}" is not one of ${LOG_LEVELS.join(', ')}`);
  return value as LogLevel;
}

/** A seed: a whole number 0..2^32-1 (every random choice of a run follows from it). */
function parseSeed(value: string | number, label: string): number {
  const n = typeof value === 'number' ? value : /^\d{1,10}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`${label}: "${value}" is not a seed (a whole number 0..4294967295)`);
  return n;
}

function checkProfile(value: string, label: string): string {
  if (!(value in PROFILES)) throw new UsageError(`${label}: "${value}" is not one of ${Object.keys(PROFILES).join(', ')}`);
  return value;
}

function checkModem(value: unknown, label: string): Partial<ModemConfig> {
  usage(label, () => mergeModemConfig(value));
  return value as Partial<ModemConfig>;
}

/** Runs a library check, turning its Error into a UsageError labelled with where the value came from. */
function usage<T>(label: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new UsageError(`${label}: ${(err as Error).message}`);
  }
}

/** The transports, one of which a modem takes (one wire); this order names them in errors. */
const WIRES = ['stdio', 'tcp', 'pty', 'serial'] as const;

/** A fleet's size: 1..10000 modems (each takes a few sockets and ~0.1-0.3 MB; bench/README.md). */
function parseModems(value: string | number, label: string): number {
  const n = typeof value === 'number' ? value : /^\d{1,5}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`${label}: "${value}" is not a number of modems (1..10000)`);
  return n;
}

function parseBaud(value: string | number, label: string): number {
  const n = typeof value === 'number' ? value : /^\d{1,7}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 50 || n > 4_000_000) throw new UsageError(`${label}: "${value}" is not a baud rate (a whole number such as 115200)`);
  return n;
}

function checkParity(value: string, label: string): Parity {
  if (!(PARITIES as readonly string[]).includes(value)) throw new UsageError(`${label}: "${value}" is not one of ${PARITIES.join(', ')}`);
  return value as Parity;
}

// ---- the command line ---------------------------------------------------------------

/** Checks the command-line values; the config file is read separately (loadConfigFile). */
export function settingsFromFlags(flags: RawFlags): CliSettings {
  const wires = WIRES.filter((w) => flags[w] !== undefined && flags[w] !== false);
  if (wires.length > 1) throw new UsageError(`${wires.map((w) => `--${w}`).join(' and ')} cannot be used together: one modem has one wire`);
  if (flags.rtscts && flags.serial === undefined) throw new UsageError('--rtscts needs --serial: flow control is a serial port\'s');
  const s: CliSettings = {};
  if (flags.tcp !== undefined) s.tcp = flags.tcp === true ? { ...DEFAULT_TCP } : parseListenAddress(flags.tcp, '--tcp');
  if (flags.stdio) s.stdio = true;
  if (flags.pty !== undefined) s.pty = nonEmpty(flags.pty, '--pty');
  if (flags.serial !== undefined) s.serial = nonEmpty(flags.serial, '--serial');
  if (flags.baud !== undefined) s.baud = parseBaud(flags.baud, '--baud');
  if (flags.parity !== undefined) s.parity = checkParity(flags.parity, '--parity');
  if (flags.rtscts) s.rtscts = true;
  if (flags.pace) s.pace = true;
  if (flags.stateDir !== undefined) s.stateDir = nonEmpty(flags.stateDir, '--state-dir');
  if (flags.logLevel !== undefined) s.logLevel = checkLogLevel(flags.logLevel, '--log-level');
  if (flags.profile !== undefined) s.profile = checkProfile(flags.profile, '--profile');
  if (flags.profile !== undefined && flags.profileFile !== undefined) throw new UsageError('--profile and --profile-file cannot be used together: the file names its base profile');
  if (flags.profileFile !== undefined) s.profileFile = nonEmpty(flags.profileFile, '--profile-file');
  if (flags.seed !== undefined) s.seed = parseSeed(flags.seed, '--seed');
  if (flags.control !== undefined) s.control = parseListenAddress(flags.control, '--control');
  if (flags.controlToken !== undefined) s.controlToken = nonEmpty(flags.controlToken, '--control-token');
  if (flags.controlToken !== undefined && flags.control === undefined) throw new UsageError('--control-token needs --control');
  if (flags.scenario !== undefined) s.scenario = nonEmpty(flags.scenario, '--scenario');
  if (flags.scenarioResult !== undefined) s.scenarioResult = nonEmpty(flags.scenarioResult, '--scenario-result');
  if (flags.scenarioResult !== undefined && flags.scenario === undefined) throw new UsageError('--scenario-result needs --scenario');
  if (flags.resetOnConnect) s.resetOnConnect = true;
  if (flags.modems !== undefined) s.modems = parseModems(flags.modems, '--modems');
  if (flags.broker !== undefined) s.broker = nonEmpty(flags.broker, '--broker');
  if (flags.brokerPort !== undefined) s.brokerPort = parsePort(flags.brokerPort, '--broker-port');
  if (flags.brokerTlsPort !== undefined) s.brokerTlsPort = parseTlsPort(flags.brokerTlsPort, '--broker-tls-port');
  if (flags.brokerCaCert !== undefined) s.brokerCaCert = nonEmpty(flags.brokerCaCert, '--broker-ca-cert');
  if (flags.brokerCaKey !== undefined) s.brokerCaKey = nonEmpty(flags.brokerCaKey, '--broker-ca-key');
  if (flags.exportCa !== undefined) s.exportCa = nonEmpty(flags.exportCa, '--export-ca');
  if (flags.map !== undefined && flags.map.length > 0) s.map = flags.map.map((m) => nonEmpty(m, '--map'));
  if (flags.cipMqttPorts !== undefined) s.cipMqttPorts = usage('--cip-mqtt-ports', () => BrokerRouter.parsePorts(flags.cipMqttPorts!));
  if (flags.azureHubHost !== undefined && !flags.azureHub?.length) throw new UsageError('--azure-hub-host needs --azure-hub');
  if (flags.azureHub !== undefined && flags.azureHub.length > 0) {
    const devices = flags.azureHub.flatMap((list) => usage('--azure-hub', () => parseDeviceList(list)));
    s.azureHub = checkHub({ devices, hostName: flags.azureHubHost }, '--azure-hub');
  }
  return s;
}

const checkHub = (opts: AzureHubOptions, label: string): AzureHubOptions => usage(label, () => checkAzureHubOptions(opts));

function nonEmpty(value: string, label: string): string {
  if (value.trim() === '') throw new UsageError(`${label}: the value is empty`);
  return value;
}

// ---- the config file ----------------------------------------------------------------

type KeyCheck = (value: unknown, label: string, dir: string) => Partial<CliSettings>;

const str = (value: unknown, label: string): string => {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${label} must be a non-empty string`);
  return value;
};

const bool = (value: unknown, label: string): boolean => {
  if (typeof value !== 'boolean') throw new UsageError(`${label} must be true or false`);
  return value;
};

const num = (value: unknown, label: string): number => {
  if (typeof value !== 'number') throw new UsageError(`${label} must be a number`);
  return value;
};

/** One checker per allowed key: the table is the file format. */
const FILE_KEYS: Record<string, KeyCheck> = {
  tcp: (v, l) => ({ tcp: parseListenAddress(str(v, l), l) }),
  // Relative to the config file, so a file and its state dir can move together.
  stateDir: (v, l, dir) => ({ stateDir: path.resolve(dir, str(v, l)) }),
  profile: (v, l) => ({ profile: checkProfile(str(v, l), l) }),
  profileFile: (v, l, dir) => ({ profileFile: path.resolve(dir, str(v, l)) }),
  seed: (v, l) => {
    if (typeof v !== 'number') throw new UsageError(`${l} must be a number`);
    return { seed: parseSeed(v, l) };
  },
  control: (v, l) => ({ control: parseListenAddress(str(v, l), l) }),
  controlToken: (v, l) => ({ controlToken: str(v, l) }),
  logLevel: (v, l) => ({ logLevel: checkLogLevel(str(v, l), l) }),
  resetOnConnect: (v, l) => ({ resetOnConnect: bool(v, l) }),
  modems: (v, l) => ({ modems: parseModems(num(v, l), l) }),
  pty: (v, l) => ({ pty: str(v, l) }),
  serial: (v, l) => ({ serial: str(v, l) }),
  baud: (v, l) => ({ baud: parseBaud(num(v, l), l) }),
  parity: (v, l) => ({ parity: checkParity(str(v, l), l) }),
  rtscts: (v, l) => ({ rtscts: bool(v, l) }),
  pace: (v, l) => ({ pace: bool(v, l) }),
  broker: (v, l) => ({ broker: str(v, l) }),
  brokerPort: (v, l) => ({ brokerPort: parsePort(num(v, l), l) }),
  brokerTlsPort: (v, l) => {
    if (typeof v !== 'number' && v !== false) throw new UsageError(`${l} must be a number or false`);
    return { brokerTlsPort: parseTlsPort(v, l) };
  },
  // Files relative to the config file, like stateDir.
  brokerCaCert: (v, l, dir) => ({ brokerCaCert: path.resolve(dir, str(v, l)) }),
  brokerCaKey: (v, l, dir) => ({ brokerCaKey: path.resolve(dir, str(v, l)) }),
  exportCa: (v, l, dir) => ({ exportCa: path.resolve(dir, str(v, l)) }),
  map: (v, l) => {
    if (!Array.isArray(v)) throw new UsageError(`${l} must be an array of strings`);
    return { map: v.map((m, i) => str(m, `${l}[${i}]`)) };
  },
  cipMqttPorts: (v, l) => {
    if (!Array.isArray(v)) throw new UsageError(`${l} must be an array of ports`);
    return { cipMqttPorts: v.map((p, i) => parsePort(num(p, `${l}[${i}]`), `${l}[${i}]`)) };
  },
  modem: (v, l) => ({ modem: checkModem(v, l) }),
  // { "devices": ["id:key", {"id": ..., "key": ...}], "hostName": "..." }
  azureHub: (v, l) => {
    const o = v as { devices?: unknown; hostName?: unknown } | null;
    if (typeof o !== 'object' || o === null || !Array.isArray(o.devices)) throw new UsageError(`${l} must be an object with a "devices" array`);
    if (o.hostName !== undefined && typeof o.hostName !== 'string') throw new UsageError(`${l}: "hostName" must be a string`);
    const devices = o.devices.flatMap((d: unknown): AzureDevice[] => (typeof d === 'string' ? usage(l, () => parseDeviceList(d)) : [d as AzureDevice]));
    return { azureHub: checkHub({ devices, hostName: o.hostName }, l) };
  },
};

/** Parses a config file's text; `name` labels every error so the user knows where to look. */
export function parseConfigText(text: string, name: string, dir = '.'): CliSettings {
  const data = parseJsonObject(text, name, (m) => new UsageError(m));
  let out: CliSettings = {};
  for (const [key, value] of Object.entries(data)) {
    const check = FILE_KEYS[key];
    if (!check) throw new UsageError(`${name}: unknown key "${key}" (known: ${Object.keys(FILE_KEYS).join(', ')})`);
    out = { ...out, ...check(value, `${name}: "${key}"`, dir) };
  }
  return out;
}

export function loadConfigFile(file: string): CliSettings {
  const text = readFlagFile(file, '--config', (m) => new UsageError(m));
  return parseConfigText(text, file, path.dirname(path.resolve(file)));
}

// ---- merging ------------------------------------------------------------------------

/**
 * Flags override the file. A transport named on the command line replaces the file's:
 * `--stdio` with a file that sets `tcp` means stdio only (one wire).
 */
export function mergeSettings(file: CliSettings, flags: CliSettings): CliSettings {
  const merged: CliSettings = { ...file };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  if (WIRES.some((w) => flags[w] !== undefined)) for (const w of WIRES) if (flags[w] === undefined) delete merged[w];
  return merged;
}

/** The CA files named by --broker-ca-cert and --broker-ca-key (both or neither). */
function readBrokerCa(s: CliSettings): EmulatorOptions['brokerCa'] {
  if (s.brokerCaCert === undefined && s.brokerCaKey === undefined) return undefined;
  if (s.brokerCaCert === undefined || s.brokerCaKey === undefined) throw new UsageError('--broker-ca-cert and --broker-ca-key go together');
  const read = (file: string, label: string) => readFlagFile(file, label, (m) => new UsageError(m));
  return { cert: read(s.brokerCaCert, '--broker-ca-cert'), key: read(s.brokerCaKey, '--broker-ca-key') };
}

function loadProfile(file: string): TimingProfile {
  try {
    return loadProfileFile(file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The library's options for these settings (logger added by the caller). */
export function toEmulatorOptions(s: CliSettings): EmulatorOptions {
  const opts: EmulatorOptions = {
    stateDir: s.stateDir,
    // The file names its own base profile and wins over a profile name.
    profile: s.profileFile !== undefined ? loadProfile(s.profileFile) : s.profile,
    seed: s.seed,
    control: s.control ? { ...s.control, token: s.controlToken } : undefined,
    resetOnConnect: s.resetOnConnect,
    modem: s.modem,
    broker: s.broker,
    brokerPort: s.brokerPort,
    brokerTlsPort: s.brokerTlsPort,
    brokerCa: readBrokerCa(s),
    exportCa: s.exportCa,
    map: s.map,
    cipMqttPorts: s.cipMqttPorts,
    azureHub: s.azureHub,
  };
  // With stdio the TCP listener stays off unless asked for (and asking is refused above).
  if (s.tcp) opts.tcp = s.tcp;
  else if (s.stdio) opts.tcp = false;
  if (s.pty) opts.pty = s.pty;
  if (s.serial) opts.serial = { path: s.serial, baudRate: s.baud ?? 115200, parity: s.parity ?? 'none', rtscts: s.rtscts ?? false };
  else if (s.baud !== undefined || s.parity !== undefined) opts.line = { baudRate: s.baud, parity: s.parity };
  if (s.pace) opts.pace = true;
  return opts;
}
