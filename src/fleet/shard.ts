/**
 * A shard: one of N processes (pods of a Kubernetes Indexed Job, or processes on one
 * machine) that together run one fleet too big for one process. Shard I of N with M
 * modems runs devices I×M … I×M+M−1 of the N×M: its modem i is device I×M+i, which
 * decides its IMEI, IMSI and ICCID (src/fleet/identity.ts), its seed, its TCP port when
 * the fleet has a fixed first port, and so its MQTT client id (`sim800-{imei}` by
 * default). Every shard must run the same number of modems (an Indexed Job's pods share
 * their arguments); a merge of shard results checks that their devices do not overlap.
 *
 * Where the shard comes from (docs/fleet.md#shards), first found wins:
 *   1. `--shard I/N` (or the config file's `shard`);
 *   2. SIM800_SHARD=I/N in the environment;
 *   3. JOB_COMPLETION_INDEX=I (set by Kubernetes in each pod of an Indexed Job) with
 *      SIM800_SHARDS=N (the Job's completions, set once in the manifest).
 * None of them: one shard, 0/1.
 */
import { OptionError } from '../optionError';
import { identityCapacity } from './identity';
import type { ModemConfig } from '../modem/config';

export interface Shard {
  /** 0 … count−1. */
  index: number;
  /** How many shards make the whole fleet (1 or more). */
  count: number;
}

/** Where a shard was read from, for messages and the result file. */
export type ShardSource = 'flag' | 'SIM800_SHARD' | 'JOB_COMPLETION_INDEX';

export const SHARD_ENV = 'SIM800_SHARD';
export const SHARDS_ENV = 'SIM800_SHARDS';
export const JOB_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** Shards in one fleet at most: Kubernetes' own limit on an Indexed Job's completions is 100 000. */
export const MAX_SHARDS = 100_000;

/** A shard spec that cannot be read; the message says what is wrong with the value. */
export class ShardProblem extends Error {}

const whole = (text: string) => (/^\d{1,6}$/.test(text.trim()) ? Number(text) : NaN);

function checked(index: number, count: number, shown: string): Shard {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS) throw new ShardProblem(`"${shown}": the shard count must be a whole number 1..${MAX_SHARDS}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new ShardProblem(`"${shown}": the shard index must be a whole number 0..${count - 1} (shards count from 0)`);
  return { index, count };
}

/** `I/N`: shard I (from 0) of N. */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new ShardProblem(`"${text}" is not I/N (shard I of N, I from 0, e.g. 2/4)`);
  return checked(whole(m[1]), whole(m[2]), text);
}

export const formatShard = (s: Shard) => `${s.index}/${s.count}`;

/**
 * The shard the environment names, or undefined when it names none. Throws OptionError
 * for a value that cannot be read, or a Job index without the shard count: going on as
 * shard 0/1 would give every pod the same identities.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv = process.env): { shard: Shard; source: ShardSource } | undefined {
  const spec = env[SHARD_ENV];
  if (spec !== undefined && spec !== '') {
    try {
      return { shard: parseShard(spec), source: 'SIM800_SHARD' };
    } catch (err) {
      throw new OptionError(SHARD_ENV, `${SHARD_ENV}: ${(err as Error).message}`);
    }
  }
  const index = env[JOB_INDEX_ENV];
  if (index === undefined || index === '') return undefined;
  const count = env[SHARDS_ENV];
  if (count === undefined || count === '') {
    throw new OptionError(
      SHARDS_ENV,
      `${JOB_INDEX_ENV}=${index} is set (a pod of an Indexed Job) but ${SHARDS_ENV} is not: set ${SHARDS_ENV} to the Job's completions, or give --shard I/N`,
    );
  }
  try {
    return { shard: checked(whole(index), whole(count), `${JOB_INDEX_ENV}=${index}, ${SHARDS_ENV}=${count}`), source: 'JOB_COMPLETION_INDEX' };
  } catch (err) {
    throw new OptionError(SHARDS_ENV, (err as Error).message);
  }
}

/** The flag's shard if given, else the environment's, else none (precedence above). */
export function resolveShard(flag: Shard | undefined, env: NodeJS.ProcessEnv = process.env): { shard: Shard; source: ShardSource } | undefined {
  if (flag) return { shard: flag, source: 'flag' };
  return shardFromEnv(env);
}

/** The whole-fleet index of the shard's modem 0. */
export function firstDevice(shard: Shard | undefined, modems: number): number {
  return shard ? shard.index * modems : 0;
}

/**
 * Throws OptionError when the shards' devices would not all have distinct identities
 * (more devices than the IMEI's serial numbers), or ports past 65535.
 */
export function checkShard(shard: Shard, modems: number, base: Pick<ModemConfig, 'imei' | 'imsi' | 'iccid'>, firstPort?: number): void {
  const total = shard.count * modems;
  const capacity = identityCapacity(base);
  if (total > capacity) {
    throw new OptionError('shard', `${shard.count} shards of ${modems} modems are ${total} devices, but only ${capacity} distinct identities follow from IMEI ${base.imei} (its serial number, 6 digits, and IMSI/ICCID digits): fewer devices`);
  }
  if (firstPort !== undefined && firstPort !== 0) {
    const last = firstPort + firstDevice(shard, modems) + modems - 1;
    if (last > 65535) {
      throw new OptionError('shard', `shard ${formatShard(shard)} of ${modems} modems from port ${firstPort} would listen up to port ${last}, past 65535: use port 0 (any free port)`);
    }
  }
}
