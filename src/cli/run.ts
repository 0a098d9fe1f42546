/**
 * What the `sim800-emu` binary runs (src/cli/main.ts loads it, bundled): flags and config
 * file → startEmulator() → one ready line.
 * Contract for scripts (docs/cli.md): exactly one line on stdout when ready (on stderr
 * with --stdio, where stdout is the wire); logs on stderr; usage errors are one stderr
 * line and exit 2 (src/cli/errors.ts); SIGINT/SIGTERM (and stdin's end with --stdio)
 * stop cleanly, exit 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { EmulatorHandle } from '../emulator';
import { createLogger } from '../log';
import { OptionError } from '../optionError';
import { addFlags } from '../options';
import { loadConfigFile, mergeSettings, settingsFromFlags, toEmulatorOptions, type CliSettings, type RawFlags } from './config';
import { EXIT, exitCodeFor, failureLine } from './errors';

const NAME = 'sim800-emu';

function packageVersion(): string {
  // dist/cli/main.js and src/cli/main.ts both sit two levels below package.json.
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function buildProgram(): Command {
  // Every option comes from the table (src/options/table.ts); only --version and --help are commander's own.
  return addFlags(
    new Command(NAME)
      .description('SIM800 GSM/GPRS modem emulator: firmware talks AT to it over TCP, stdio, a pty or a serial port')
      .version(packageVersion(), '-V, --version', 'print the version and exit'),
  )
    .helpOption('-h, --help', 'print this help and exit')
    .addHelpText(
      'after',
      [
        '',
        'Commands (each has its own --help):',
        '  loadtest [options]             load-test an MQTT backend with a fleet of scripted devices (docs/fleet.md)',
        '  loadtest-merge [files...]      merge load test results of several shards into one report',
        '  trace FILE [--html OUT.html]   a --trace file as one HTML page or an annotated transcript (docs/ui.md)',
      ].join('\n'),
    )
    .exitOverride()
    // Commander's own messages are re-printed by fail() as one line; nothing else here.
    .configureOutput({ outputError: () => undefined });
}

const readyHooks: ((line: string) => void)[] = [];

/**
 * Calls fn with the ready line just before it is written (the build takes the bundle's
 * code cache there; tests look at what a start has loaded by then).
 */
export function onReady(fn: (line: string) => void): void {
  readyHooks.push(fn);
}

/**
 * The ready line on stdout, written with one synchronous write to fd 1: process.stdout's
 * getter builds a net.Socket for a pipe (a stream, its handle, its event wiring), work a
 * start need not do before it says it is ready (bench/README.md, cold start). Anything
 * written to stdout later goes through process.stdout and so comes after this line. A
 * write that cannot finish now (a full non-blocking pipe: EAGAIN) or fails hands the rest
 * to process.stdout, which queues it (or reports the error) as it did every line before.
 */
function writeReadyLine(line: string): void {
  const bytes = Buffer.from(line, 'latin1');
  let done = 0;
  try {
    while (done < bytes.length) done += fs.writeSync(1, bytes, done);
  } catch {
    process.stdout.write(bytes.subarray(done));
  }
}

/** The command families loaded so far (src/commands/index.ts), for tests of the start. */
export function loadedFamilies(): string[] {
  return (require('../commands') as typeof import('../commands')).loadedFamilies();
}

/** One line on stderr, whatever the message held. */
export function fail(message: string): void {
  const text = message.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ').trim();
  process.stderr.write(`${NAME}: ${text}\n`);
}

/** Parses argv into checked settings; throws OptionError or CommanderError. */
function resolveSettings(argv: string[]): CliSettings {
  const program = buildProgram();
  program.parse(argv, { from: 'user' });
  const fromFlags = settingsFromFlags(program.opts<RawFlags>());
  const fromFile = fromFlags.config !== undefined ? loadConfigFile(fromFlags.config) : {};
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

/** The subcommands, each a program of its own, loaded only when named first. */
const COMMANDS: Record<string, () => Promise<{ main(argv: string[]): Promise<number> }>> = {
  loadtest: () => import('./loadtest'),
  'loadtest-merge': () => import('./loadtestMerge'),
  // Reading a trace back starts no emulator.
  trace: () => import('./trace'),
};

export async function main(argv: string[]): Promise<number> {
  const command = argv[0] !== undefined && Object.hasOwn(COMMANDS, argv[0]) ? COMMANDS[argv[0]] : undefined;
  if (command) return (await command()).main(argv.slice(1));
  let settings: CliSettings;
  let scenario: import('../scenario/format').Scenario | undefined;
  try {
    settings = resolveSettings(argv);
    // Checked before anything starts: a bad scenario file is a usage error.
    if (settings.scenario !== undefined) scenario = (await import('./scenario')).loadScenarioForCli(settings.scenario);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT.ok; // --help, --version
      fail(err.message);
      return EXIT.usage;
    }
    if (err instanceof OptionError) {
      fail(err.message);
      return EXIT.usage;
    }
    throw err;
  }

  const log = createLogger(settings.logLevel ?? 'info');
  const stdio = settings.stdio === true;
  // Listening from here on: a signal during start-up still ends in a clean stop.
  const shutdown = untilShutdown(stdio);
  if (settings.control && settings.controlToken === undefined && !(await import('../control/http')).isLoopback(settings.control.host)) {
    settings.controlToken = (await import('node:crypto')).randomBytes(16).toString('hex');
    process.stderr.write(`${NAME}: control API token (send Authorization: Bearer <token>): ${settings.controlToken}\n`);
  }
  // A fleet (docs/fleet.md), loaded only when asked for.
  if (settings.modems !== undefined) return (await import('./fleet')).runFleetCli(settings, log, shutdown, fail);
  let emu: EmulatorHandle;
  try {
    // Loaded only now: --help, --version and usage errors answer without loading the
    // broker and MQTT stacks.
    const { startEmulator } = await import('../emulator');
    emu = await startEmulator({
      ...toEmulatorOptions(settings),
      stdio: stdio ? { input: process.stdin, output: process.stdout } : undefined,
      logger: log,
    });
  } catch (err) {
    fail(failureLine(err));
    // A value the library refused (OptionError) is a usage error; a listener that cannot open is not.
    return exitCodeFor(err);
  }

  const scenarioCli = scenario ? await import('./scenario') : undefined;
  const running = scenario && scenarioCli ? scenarioCli.startScenarioCli(emu, scenario, { failFast: settings.failFast === true }) : undefined;
  await running?.ready;

  // With --stdio, stdout is the wire: the ready line must not land in the firmware's input.
  const ready = `${emu.readyLine}\n`;
  for (const fn of readyHooks) fn(ready);
  if (stdio) process.stderr.write(ready);
  else writeReadyLine(ready);
  log.info({ ready: emu.readyLine }, 'emulator ready');

  let code = 0;
  if (running && scenarioCli) code = await scenarioCli.runScenarioCli(running, settings.scenarioResult, shutdown, log);
  else log.info({ why: await shutdown }, 'stopping');
  await emu.stop();
  log.flush();
  return code;
}
