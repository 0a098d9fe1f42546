/**
 * `sim800-emu --modems N`: the CLI's fleet mode. Same contract as one modem (docs/cli.md):
 * exactly one ready line on stdout, logs on stderr, one-line usage errors with exit 2,
 * a clean stop on SIGINT/SIGTERM; the ready line lists every modem (docs/fleet.md).
 */
import type { Logger } from 'pino';
import { toEmulatorOptions, UsageError, type CliSettings } from './config';
import { exitCodeFor, failureLine } from './errors';
import { checkFleetOptions, startFleet, type FleetHandle, type FleetOptions } from '../fleet/fleet';
import { resolveShard } from '../fleet/shard';

/** What a fleet cannot take, as the flag the user wrote. */
const NOT_IN_A_FLEET: [keyof CliSettings, string][] = [
  ['stdio', '--stdio: stdin/stdout is one wire'],
  ['serial', '--serial: one device is one wire'],
  ['scenario', '--scenario: a scenario drives one modem'],
];

/**
 * The fleet's options for these settings; throws UsageError for what a fleet cannot do.
 * The shard is --shard's, else the environment's (src/fleet/shard.ts).
 */
export function toFleetOptions(s: CliSettings, env: NodeJS.ProcessEnv = process.env): FleetOptions {
  for (const [key, why] of NOT_IN_A_FLEET) if (s[key] !== undefined && s[key] !== false) throw new UsageError(`--modems cannot be used with ${why}`);
  const { tcp, pty, serial: _s, stdio: _i, ...common } = toEmulatorOptions({ ...s, shard: undefined });
  const opts: FleetOptions = { ...common, modems: s.modems ?? 1, tcp: tcp || undefined, pty, shard: resolveShard(s.shard, env)?.shard, sharedPort: s.sharedPort === true || undefined };
  try {
    checkFleetOptions(opts);
  } catch (err) {
    throw new UsageError(`--modems: ${(err as Error).message}`);
  }
  return opts;
}

export async function runFleetCli(settings: CliSettings, log: Logger, shutdown: Promise<string>, fail: (message: string) => void): Promise<number> {
  let fleet: FleetHandle;
  try {
    fleet = await startFleet({ ...toFleetOptions(settings), logger: log });
  } catch (err) {
    fail(failureLine(err));
    // As for one modem: a value refused is a usage error, a port that cannot listen is not.
    return exitCodeFor(err);
  }
  process.stdout.write(`${fleet.readyLine}\n`);
  log.info({ why: await shutdown }, 'stopping');
  await fleet.stop();
  log.flush();
  return 0;
}
