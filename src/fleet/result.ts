/**
 * A load test's machine-readable result (docs/fleet.md#results-and-merging), and the merge
 * of several shards' results into the whole fleet's report.
 *
 * One format for both: a shard's own result lists itself in `shards`; a merge lists every
 * shard it read. Counts add up; latencies merge through their histograms
 * (src/fleet/histogram.ts), so the merged p99 is the p99 of every shard's samples
 * together, within the histogram's 1 %, never an average of percentiles.
 */
import { z } from 'zod';
import { parseOrThrow } from '../schema';
import type { FleetReport } from './driver';
import { Histogram, type HistogramJson } from './histogram';
import type { Shard, ShardSource } from './shard';

export const RESULT_FORMAT = 'sim800-emu/loadtest';
export const RESULT_VERSION = 1;

/**
 * Devices named with their first errors, per shard: enough to see why, and a result line
 * that stays small for `kubectl logs` with 10 000 devices failing.
 */
export const MAX_FAILURES_PER_SHARD = 20;
const MAX_ERRORS_PER_FAILURE = 3;

/** What one process measured of itself. */
export interface ProcessFigures {
  /** User + system CPU time of the whole process over the run. */
  cpuMs: number;
  /** Peak resident memory (the kernel's maxrss). */
  maxRssBytes: number;
  /** Resident memory before the fleet started (every module loaded): (maxRss − this) / devices is a device's cost. */
  startRssBytes: number;
  /** Most descriptors seen open (sampled each second), or null where they cannot be counted. */
  maxFds: number | null;
  /** `ulimit -n` (soft), or null. */
  fdLimit: number | null;
}

export interface ShardSummary {
  index: number;
  count: number;
  /** Where the shard came from: `--shard`, SIM800_SHARD, JOB_COMPLETION_INDEX; `none` for an unsharded run. */
  source: ShardSource | 'none';
  /** Its devices are firstDevice … firstDevice + devices − 1 of the whole fleet. */
  firstDevice: number;
  devices: number;
  connected: number;
  published: number;
  failed: number;
  received: number;
  /** Wall-clock seconds from the first device's first AT to the last device's end. */
  seconds: number;
  process: ProcessFigures;
}

export interface LatencySummary {
  count: number;
  mean: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  histogram: HistogramJson;
}

export interface FailedDevice {
  index: number;
  imei: string;
  clientId: string;
  phase: string;
  connected: boolean;
  failed: number;
  errors: string[];
}

/** How the run was set up: the same in every shard of one fleet. */
export interface RunSettings {
  broker: string;
  url: string;
  qos: number;
  intervalMs: number;
  modems: number;
  profile: string;
}

export interface LoadtestResult {
  format: typeof RESULT_FORMAT;
  version: typeof RESULT_VERSION;
  /** N: how many shards the whole fleet has. */
  shardCount: number;
  /** The shards in this result, by index. */
  shards: ShardSummary[];
  /** Shard indices 0 … N−1 not in this result. */
  missingShards: number[];
  settings: RunSettings;
  devices: number;
  connected: number;
  published: number;
  failed: number;
  received: number;
  /** Publishes acknowledged per second: each shard's over its own run, added up. */
  ratePerSecond: number;
  /** Publish → `+SMPUB: <id>,0` ack, ms. */
  latency: LatencySummary | null;
  /** First AT → SMCONN's OK, ms, per connected device. */
  connect: LatencySummary | null;
  /** CPU per acknowledged publish, every shard's CPU over every publish, µs. */
  cpuUsPerMessage: number | null;
  /** Devices that did not connect or had a publish fail, with their first errors. */
  failures: FailedDevice[];
}

export function summarizeHistogram(h: Histogram): LatencySummary | null {
  if (h.count === 0) return null;
  const p = (q: number) => h.percentile(q)!;
  return { count: h.count, mean: h.sum / h.count, min: h.min, p50: p(0.5), p90: p(0.9), p99: p(0.99), p999: p(0.999), max: h.max, histogram: h.toJSON() };
}

/** A shard's (or an unsharded run's) result from its fleet report. */
export function resultOf(report: FleetReport, run: { shard?: Shard; source?: ShardSource; firstDevice: number; seconds: number; process: ProcessFigures; settings: RunSettings }): LoadtestResult {
  const shard = run.shard ?? { index: 0, count: 1 };
  const summary: ShardSummary = {
    index: shard.index,
    count: shard.count,
    source: run.shard ? (run.source ?? 'flag') : 'none',
    firstDevice: run.firstDevice,
    devices: report.devices.length,
    connected: report.connected,
    published: report.published,
    failed: report.failed,
    received: report.received,
    seconds: run.seconds,
    process: run.process,
  };
  const failures = report.devices
    .filter((d) => !d.connected || d.failed > 0 || d.errors.length > 0)
    .slice(0, MAX_FAILURES_PER_SHARD)
    .map((d) => ({ index: d.index, imei: d.imei, clientId: d.clientId, phase: d.phase, connected: d.connected, failed: d.failed, errors: d.errors.slice(0, MAX_ERRORS_PER_FAILURE) }));
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    shardCount: shard.count,
    shards: [summary],
    missingShards: range(shard.count).filter((i) => i !== shard.index),
    settings: run.settings,
    devices: summary.devices,
    connected: summary.connected,
    published: summary.published,
    failed: summary.failed,
    received: summary.received,
    ratePerSecond: run.seconds > 0 ? summary.published / run.seconds : 0,
    latency: summarizeHistogram(report.latencyHistogram),
    connect: summarizeHistogram(report.connectHistogram),
    cpuUsPerMessage: summary.published ? (run.process.cpuMs * 1000) / summary.published : null,
    failures,
  };
}

/** A URL's password as `***` (`mqtt://user:***@host:1883`): results are shared, secrets are not. */
export function maskUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^/@]*@/i, '$1***@');
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Results that cannot be merged: not results, shards of different fleets, the same shard twice. */
export class MergeProblem extends Error {}

/**
 * The whole fleet's report from shard results (or earlier merges): counts added, every
 * histogram added, shards listed by index, the ones not given listed as missing.
 */
export function mergeResults(results: readonly LoadtestResult[]): LoadtestResult {
  if (results.length === 0) throw new MergeProblem('no results to merge');
  const count = results[0].shardCount;
  for (const r of results) {
    if (r.shardCount !== count) throw new MergeProblem(`results of different fleets: one of ${count} shards, one of ${r.shardCount}`);
  }
  const shards = results.flatMap((r) => r.shards).sort((a, b) => a.index - b.index);
  for (let i = 1; i < shards.length; i++) {
    if (shards[i].index === shards[i - 1].index) throw new MergeProblem(`shard ${shards[i].index}/${count} given twice`);
  }
  // Shards of one fleet own disjoint device ranges; two that overlap shared identities.
  const byFirst = [...shards].sort((a, b) => a.firstDevice - b.firstDevice);
  for (let i = 1; i < byFirst.length; i++) {
    const prev = byFirst[i - 1];
    if (byFirst[i].firstDevice < prev.firstDevice + prev.devices) {
      throw new MergeProblem(
        `shards ${prev.index} and ${byFirst[i].index} ran the same devices (${prev.firstDevice}…${prev.firstDevice + prev.devices - 1} and ${byFirst[i].firstDevice}…): every shard must run the same number of modems`,
      );
    }
  }
  const latency = new Histogram();
  const connect = new Histogram();
  for (const r of results) {
    try {
      if (r.latency) latency.add(Histogram.fromJSON(r.latency.histogram));
      if (r.connect) connect.add(Histogram.fromJSON(r.connect.histogram));
    } catch (err) {
      throw new MergeProblem((err as Error).message);
    }
  }
  const sum = (k: 'devices' | 'connected' | 'published' | 'failed' | 'received') => shards.reduce((n, s) => n + s[k], 0);
  const present = new Set(shards.map((s) => s.index));
  const published = sum('published');
  const cpuMs = shards.reduce((n, s) => n + s.process.cpuMs, 0);
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    shardCount: count,
    shards,
    missingShards: range(count).filter((i) => !present.has(i)),
    settings: results[0].settings,
    devices: sum('devices'),
    connected: sum('connected'),
    published,
    failed: sum('failed'),
    received: sum('received'),
    ratePerSecond: shards.reduce((n, s) => n + (s.seconds > 0 ? s.published / s.seconds : 0), 0),
    latency: summarizeHistogram(latency),
    connect: summarizeHistogram(connect),
    cpuUsPerMessage: published ? (cpuMs * 1000) / published : null,
    failures: results.flatMap((r) => r.failures).sort((a, b) => a.index - b.index),
  };
}

/** Settings in which shards of one result differ: a merge of runs that were not one run. */
export function settingsMismatch(results: readonly LoadtestResult[]): string[] {
  const first = results[0]?.settings;
  if (!first) return [];
  const keys = Object.keys(first) as (keyof RunSettings)[];
  return keys.filter((k) => results.some((r) => r.settings[k] !== first[k]));
}

// ---- reading results ------------------------------------------------------------------

const count = z.number().int().min(0);
const histogramSchema = z.object({
  unit: z.literal('ms'),
  low: z.number(),
  growth: z.number(),
  count,
  sum: z.number(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  buckets: z.record(z.string(), count),
});
const latencySchema = z
  .object({ count, mean: z.number(), min: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), p999: z.number(), max: z.number(), histogram: histogramSchema })
  .nullable();
const shardSchema = z.object({
  index: count,
  count: count.min(1),
  source: z.enum(['flag', 'SIM800_SHARD', 'JOB_COMPLETION_INDEX', 'none']),
  firstDevice: count,
  devices: count,
  connected: count,
  published: count,
  failed: count,
  received: count,
  seconds: z.number().min(0),
  process: z.object({ cpuMs: z.number(), maxRssBytes: z.number(), startRssBytes: z.number(), maxFds: z.number().nullable(), fdLimit: z.number().nullable() }),
});
const RESULT_SCHEMA = z.object({
  format: z.literal(RESULT_FORMAT),
  version: z.literal(RESULT_VERSION, { error: `must be ${RESULT_VERSION} (written by another version of sim800-emu)` }),
  shardCount: count.min(1),
  shards: z.array(shardSchema).min(1),
  missingShards: z.array(count),
  settings: z.object({ broker: z.string(), url: z.string(), qos: z.number(), intervalMs: z.number(), modems: z.number(), profile: z.string() }),
  devices: count,
  connected: count,
  published: count,
  failed: count,
  received: count,
  ratePerSecond: z.number(),
  latency: latencySchema,
  connect: latencySchema,
  cpuUsPerMessage: z.number().nullable(),
  failures: z.array(
    z.object({ index: count, imei: z.string(), clientId: z.string(), phase: z.string(), connected: z.boolean(), failed: count, errors: z.array(z.string()) }),
  ),
});

/** The start of a result written as one line: how one is found among log lines. */
const MARK = `{"format":"${RESULT_FORMAT}"`;

/** A result as one line of JSON (what `--result -` prints among the log lines). */
export const resultLine = (r: LoadtestResult) => JSON.stringify(r);

/**
 * Every result in a text: a file holding one (pretty-printed or not), or a log with
 * result lines among others (`kubectl logs` of every pod, `--prefix` or not). Throws
 * MergeProblem naming `name` for a result that does not read, or a text without one.
 */
export function readResults(text: string, name: string): LoadtestResult[] {
  const check = (value: unknown, where: string) =>
    parseOrThrow(
      RESULT_SCHEMA,
      value,
      (p) => `${where}${p.length ? `: ${p.join('.')}` : ''}`,
      (line) => new MergeProblem(`not a load test result: ${line}`),
    ) as LoadtestResult;
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      return [check(JSON.parse(trimmed), name)];
    } catch (err) {
      if (err instanceof MergeProblem) throw err;
      // Not one JSON document: result lines among others, below.
    }
  }
  const out: LoadtestResult[] = [];
  text.split('\n').forEach((line, i) => {
    const at = line.indexOf(MARK);
    if (at < 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line.slice(at));
    } catch (err) {
      throw new MergeProblem(`${name}:${i + 1}: a result line that is not JSON (${(err as Error).message}): cut short?`);
    }
    out.push(check(value, `${name}:${i + 1}`));
  });
  if (out.length === 0) throw new MergeProblem(`${name}: no load test result in it (a file from --result, or a log with the line --result - prints)`);
  return out;
}
