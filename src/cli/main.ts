#!/usr/bin/env node
/**
 * The `sim800-emu` binary: flags and config file → startEmulator() → one ready line.
 * Contract for scripts (docs/cli.md): exactly one line on stdout when ready (on stderr
 * with --stdio, where stdout is the wire); logs on stderr; usage errors are one stderr
 * line and exit 2; SIGINT/SIGTERM (and stdin's end with --stdio) stop cleanly, exit 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { EmulatorHandle } from '../emulator';
import { createLogger, LOG_LEVELS } from '../log';
import { PROFILES } from '../profile';
import { loadConfigFile, mergeSettings, settingsFromFlags, toEmulatorOptions, UsageError, type CliSettings, type RawFlags } from './config';

const NAME = 'sim800-emu';

function packageVersion(): string {
  // dist/cli/main.js and src/cli/main.ts both sit two levels below package.json.
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function buildProgram(): Command {
  const collect = (value: string, prev: string[] = []) => [...prev, value];
  return new Command(NAME)
    .description('SIM800 GSM/GPRS modem emulator: firmware talks AT to it over TCP, stdio, a pty or a serial port')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .option('--tcp [host:port]', 'listen for the DTE on TCP; a bare port means 127.0.0.1 (default 127.0.0.1:2323 when no transport is named; port 0 = any free port)')
    .option('--stdio', 'the modem\'s bytes on stdin/stdout (for socat EXEC:); the ready line then goes to stderr')
    .option('--pty <path>', 'be a serial device: create a raw pty and point this symlink at it (e.g. /tmp/ttySIM800)')
    .option('--serial <device>', 'drive a real serial port (e.g. /dev/ttyUSB0: a board on a USB-UART adapter)')
    .option('--baud <n>', 'line rate: the serial port\'s, and the DTE\'s rate that autobaud meets (default 115200)')
    .option('--parity <p>', 'none, even or odd (default none: 8N1)')
    .option('--rtscts', 'RTS/CTS hardware flow control on the serial port')
    .option('--pace', 'send at the wire rate for the baud rate and frame (86.8 µs per byte at 115200 8N1), following AT+IPR')
    .option('--config <file>', 'JSON config file; flags override it')
    .option('--state-dir <dir>', 'keep non-volatile state (AT&W profile, files) in this directory')
    .option('--log-level <level>', `log level on stderr: ${LOG_LEVELS.join(', ')} (default info)`)
    .option('--profile <name>', `timing profile: ${Object.keys(PROFILES).join(', ')} (default instant)`)
    .option('--profile-file <file>', 'JSON timing profile: {"base": "realistic", "bearerOpenMs": 5000, ...} (docs/faults.md)')
    .option('--seed <n>', 'seed for every random choice: timing jitter, packet loss, garbled bytes (default 1)')
    .option('--control <[host:]port>', 'serve the control API (state, faults, c2d, AT log) over HTTP; a bare port means 127.0.0.1')
    .option('--control-token <token>', 'require Authorization: Bearer <token> (generated and printed when --control is not loopback)')
    .option('--scenario <file>', 'run a scenario file (JSON or YAML) against the attached DTE, then exit 0 pass / 1 fail')
    .option('--scenario-result <file>', 'write the scenario\'s machine-readable result (JSON) here')
    .option('--reset-on-connect', 'power-cycle the modem on every new DTE connection')
    .option('--modems <n>', 'run a fleet of N modems in this process: consecutive TCP ports from --tcp\'s, or ptys from a --pty pattern with %d (docs/fleet.md)')
    .option('--broker <target>', 'MQTT routing: embedded, direct or mqtt://host:port')
    .option('--broker-port <n>', 'port of the embedded broker (0 = any free port)')
    .option('--broker-tls-port <n>', 'TLS port of the embedded broker: a port, 0 = any free port, off = none (default 8883; any free port with --broker-port 0)')
    .option('--broker-ca-cert <file>', 'CA certificate (PEM) for the embedded broker\'s TLS listener, with --broker-ca-key (default: generated, kept in --state-dir)')
    .option('--broker-ca-key <file>', 'the private key (PEM, RSA, unencrypted) of --broker-ca-cert')
    .option('--export-ca <file>', 'write the TLS listener\'s CA certificate (PEM) to this file, for firmware to load as its root')
    .option('--map <rule>', 'broker address override host[:port]=host2:port2 (repeatable)', collect)
    .option('--azure-hub <id:key,...>', 'make the embedded broker an Azure IoT Hub stand-in for these devices (repeatable)', collect)
    .option('--azure-hub-host <name>', 'the hub\'s host name the stand-in insists on (default: the one in each device\'s SAS token)')
    .helpOption('-h, --help', 'print this help and exit')
    .exitOverride()
    // Commander's own messages are re-printed by fail() as one line; nothing else here.
    .configureOutput({ outputError: () => undefined });
}

/** One line on stderr, whatever the message held. */
function fail(message: string): void {
  const text = message.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ').trim();
  process.stderr.write(`${NAME}: ${text}\n`);
}

/** Parses argv into checked settings; throws UsageError or CommanderError. */
function resolveSettings(argv: string[]): CliSettings {
  const program = buildProgram();
  program.parse(argv, { from: 'user' });
  const flags = program.opts<RawFlags & { config?: string }>();
  const fromFlags = settingsFromFlags(flags);
  const fromFile = flags.config !== undefined ? loadConfigFile(flags.config) : {};
  return mergeSettings(fromFile, fromFlags);
}

/** Resolves when the emulator should stop: a signal, or stdin's end when stdin is the wire. */
function untilShutdown(stdio: boolean): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (!stdio) return;
    if (process.stdin.readableEnded) resolve('stdin closed');
    else process.stdin.once('end', () => resolve('stdin closed'));
  });
}

export async function main(argv: string[]): Promise<number> {
  let settings: CliSettings;
  let scenario: import('../scenario/format').Scenario | undefined;
  try {
    settings = resolveSettings(argv);
    // Checked before anything starts: a bad scenario file is a usage error.
    if (settings.scenario !== undefined) scenario = (await import('./scenario')).loadScenarioForCli(settings.scenario);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0; // --help, --version
      fail(err.message);
      return 2;
    }
    if (err instanceof UsageError) {
      fail(err.message);
      return 2;
    }
    throw err;
  }

  const log = createLogger(settings.logLevel ?? 'info');
  const stdio = settings.stdio === true;
  // Listening from here on: a signal during start-up still ends in a clean stop.
  const shutdown = untilShutdown(stdio);
  // A fleet (docs/fleet.md), loaded only when asked for.
  if (settings.modems !== undefined) return (await import('./fleet')).runFleetCli(settings, log, shutdown, fail);
  let emu: EmulatorHandle;
  try {
    // Loaded only now: --help, --version and usage errors answer without loading the
    // broker and MQTT stacks.
    const { startEmulator } = await import('../emulator');
    if (settings.control && settings.controlToken === undefined && !(await import('../control/http')).isLoopback(settings.control.host)) {
      settings.controlToken = (await import('node:crypto')).randomBytes(16).toString('hex');
      process.stderr.write(`${NAME}: control API token (send Authorization: Bearer <token>): ${settings.controlToken}\n`);
    }
    emu = await startEmulator({
      ...toEmulatorOptions(settings),
      stdio: stdio ? { input: process.stdin, output: process.stdout } : undefined,
      logger: log,
    });
  } catch (err) {
    fail((err as Error).message);
    // A value the library rejected is a usage error; a socket that cannot listen is not.
    return (err as NodeJS.ErrnoException).code ? 1 : 2;
  }

  const scenarioCli = scenario ? await import('./scenario') : undefined;
  const running = scenario && scenarioCli ? scenarioCli.startScenarioCli(emu, scenario) : undefined;
  await running?.ready;

  // With --stdio, stdout is the wire: the ready line must not land in the firmware's input.
  (stdio ? process.stderr : process.stdout).write(`${emu.readyLine}\n`);
  log.info({ ready: emu.readyLine }, 'emulator ready');

  let code = 0;
  if (running && scenarioCli) code = await scenarioCli.runScenarioCli(running, settings.scenarioResult, shutdown, log);
  else log.info({ why: await shutdown }, 'stopping');
  await emu.stop();
  log.flush();
  return code;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      fail(`unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
