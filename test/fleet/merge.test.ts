/**
 * Shard results and their merge (docs/fleet.md#results-and-merging): counts add up,
 * latency percentiles come from the added histograms (the percentile of every sample
 * together, within 1 %), never from averaging each shard's; results that are not one
 * fleet's are refused; result lines are found among log lines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Histogram, bucketOf, bucketValue } from '../../src/fleet/histogram';
import { mergeResults, readResults, resultLine, resultOf, maskUrlPassword, type LoadtestResult } from '../../src/fleet/result';
import { summarize, type DeviceReport } from '../../src/fleet/driver';
import { percentile } from '../../src/fleet/driver';
import { runCli } from '../helpers/cli';
import { useTempDir } from '../helpers/tmp';

/** A seeded generator: the same samples every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function device(index: number, latencies: number[], extra: Partial<DeviceReport> = {}): DeviceReport {
  const h = new Histogram();
  for (const v of latencies) h.record(v);
  return { index, imei: `imei${index}`, clientId: `sim800-${index}`, phase: 'done', connected: true, connectMs: 100 + index, published: latencies.length, failed: 0, received: 0, latencies, latencyHistogram: h, errors: [], ...extra };
}

const PROC = { cpuMs: 1000, maxRssBytes: 200e6, startRssBytes: 70e6, maxFds: 7021, fdLimit: 20000 };
const SETTINGS = { broker: 'mqtt://broker:1883', url: 'broker:1883', qos: 1, intervalMs: 1000, modems: 2, profile: 'instant' };

/** Shard `index` of `count`, 2 devices each, with these latencies per device. */
function shardResult(index: number, count: number, latencies: number[][], extra: Partial<DeviceReport> = {}): LoadtestResult {
  const first = index * latencies.length;
  const report = summarize(latencies.map((l, i) => device(first + i, l, extra)));
  return resultOf(report, { shard: { index, count }, source: 'JOB_COMPLETION_INDEX', firstDevice: first, seconds: 10, process: PROC, settings: { ...SETTINGS, modems: latencies.length } });
}

describe('the histogram', () => {
  it('reads every percentile within 1 % of the exact sample, min and max exactly', () => {
    const r = rng(7);
    const samples = Array.from({ length: 20_000 }, () => 0.05 + r() ** 3 * 3000);
    const h = new Histogram();
    for (const v of samples) h.record(v);
    const sorted = [...samples].sort((a, b) => a - b);
    for (const p of [0.01, 0.5, 0.9, 0.99, 0.999]) {
      const exact = percentile(sorted, p);
      expect(Math.abs(h.percentile(p)! / exact - 1)).toBeLessThan(0.01);
    }
    expect(h.percentile(1)).toBe(sorted[sorted.length - 1]);
    expect(h.percentile(0)).toBe(sorted[0]);
    expect(h.count).toBe(20_000);
  });

  it('a bucket\'s value lies inside it', () => {
    for (const v of [0.0005, 0.001, 0.0123, 1, 1.5, 999, 60_000]) {
      const k = bucketOf(v);
      expect(bucketOf(bucketValue(k))).toBe(k);
    }
  });

  it('split in parts and added, it is the histogram of the whole: the same JSON', () => {
    const r = rng(11);
    const samples = Array.from({ length: 5000 }, () => r() * 50);
    const whole = new Histogram();
    const parts = [new Histogram(), new Histogram(), new Histogram()];
    samples.forEach((v, i) => {
      whole.record(v);
      parts[i % 3].record(v);
    });
    const added = parts.reduce((a, b) => a.add(Histogram.fromJSON(JSON.parse(JSON.stringify(b)))), new Histogram());
    expect(added.buckets()).toEqual(whole.buckets());
    expect([added.count, added.min, added.max]).toEqual([whole.count, whole.min, whole.max]);
    expect(added.sum).toBeCloseTo(whole.sum, 6);
    for (const p of [0.5, 0.99]) expect(added.percentile(p)).toBe(whole.percentile(p));
  });

  it('refuses another build\'s buckets, and buckets that do not add up', () => {
    const j = new Histogram().toJSON();
    expect(() => Histogram.fromJSON({ ...j, growth: 1.05 })).toThrow('a histogram with other buckets');
    expect(() => Histogram.fromJSON({ ...j, count: 3, buckets: { '10': 2 } })).toThrow('a histogram whose buckets hold 2 samples but says 3');
  });
});

describe('merging shard results', () => {
  it('adds the counts and the histograms: the merged p50 is the p50 of every sample, not the mean of the shards\' p50s', () => {
    // Shard 0: 300 fast publishes (1 ms); shard 1: 100 slow ones (100 ms).
    const a = shardResult(0, 2, [Array(150).fill(1), Array(150).fill(1)]);
    const b = shardResult(1, 2, [Array(50).fill(100), Array(50).fill(100)]);
    const m = mergeResults([b, a]);
    expect(m).toMatchObject({ shardCount: 2, missingShards: [], devices: 4, connected: 4, published: 400, failed: 0 });
    expect(m.shards.map((s) => s.index)).toEqual([0, 1]);
    // 3 in 4 samples are 1 ms: the p50 and p75 are 1 ms; averaging the p50s would say 50.5.
    expect(m.latency!.p50).toBe(1);
    expect(m.latency!.p99).toBe(100);
    expect(m.latency!.count).toBe(400);
    expect(m.latency!.mean).toBeCloseTo((300 * 1 + 100 * 100) / 400, 9);
    expect(m.ratePerSecond).toBe(40);
    expect(m.cpuUsPerMessage).toBe((2 * PROC.cpuMs * 1000) / 400);
  });

  it('the merged report equals the sum of its shards, and equals one histogram of every sample', () => {
    const r = rng(3);
    const all: number[] = [];
    const results = [0, 1, 2, 3].map((s) => {
      const per = [0, 1].map(() => Array.from({ length: 100 + s * 37 }, () => 0.2 + r() * (s + 1) * 10));
      all.push(...per.flat());
      return shardResult(s, 4, per);
    });
    const m = mergeResults(results);
    for (const k of ['devices', 'connected', 'published', 'failed', 'received'] as const) expect(m[k]).toBe(results.reduce((n, x) => n + x[k], 0));
    const whole = new Histogram();
    for (const v of all) whole.record(v);
    // Sums of floats in another order differ in the last bits; everything else is exact.
    expect(m.latency!.histogram).toEqual({ ...whole.toJSON(), sum: expect.closeTo(whole.sum, 6) });
    expect(m.latency!.p99).toBe(whole.percentile(0.99));
    // A merge of merges is the same merge.
    const mm = mergeResults([mergeResults(results.slice(0, 2)), mergeResults(results.slice(2))]);
    const { latency, ...rest } = m;
    expect(mm).toMatchObject(rest);
    expect(mm.latency).toEqual({ ...latency, mean: expect.closeTo(latency!.mean, 9), histogram: { ...latency!.histogram, sum: expect.closeTo(latency!.histogram.sum, 6) } });
  });

  it('says which shards are missing, and lists failed devices', () => {
    const bad = shardResult(2, 4, [[], []], { connected: false, phase: 'connect', errors: ['AT+SMCONN → +CME ERROR: 161'] });
    const m = mergeResults([shardResult(0, 4, [[1], [2]]), bad]);
    expect(m.missingShards).toEqual([1, 3]);
    expect(m.connected).toBe(2);
    expect(m.failures.map((f) => [f.index, f.phase, f.errors])).toEqual([
      [4, 'connect', ['AT+SMCONN → +CME ERROR: 161']],
      [5, 'connect', ['AT+SMCONN → +CME ERROR: 161']],
    ]);
  });

  it('refuses a shard twice, shards of different fleets, shards that ran the same devices', () => {
    const a = shardResult(0, 2, [[1], [1]]);
    expect(() => mergeResults([a, a])).toThrow('shard 0/2 given twice');
    expect(() => mergeResults([a, shardResult(1, 3, [[1], [1]])])).toThrow('results of different fleets: one of 2 shards, one of 3');
    // Shard 1 with 3 modems starts at 3; shard 0 with 4 modems ends at 3.
    const wide = shardResult(0, 2, [[1], [1], [1], [1]]);
    const other = shardResult(1, 2, [[1], [1], [1]]);
    expect(() => mergeResults([wide, other])).toThrow('shards 0 and 1 ran the same devices (0…3 and 3…): every shard must run the same number of modems');
    expect(() => mergeResults([])).toThrow('no results to merge');
  });
});

describe('reading results', () => {
  const tmp = useTempDir('sim800-merge-');

  it('finds result lines among log lines, with or without kubectl\'s --prefix', () => {
    const a = shardResult(0, 2, [[1], [2]]);
    const b = shardResult(1, 2, [[3], [4]]);
    const log = ['shard 0/2 (from JOB_COMPLETION_INDEX): devices 0…1; …', resultLine(a), `[pod/sim800-loadtest-1-x7k2p/loadtest] ${resultLine(b)}`, 'noise {"format":"other"}'].join('\n');
    expect(readResults(log, 'logs')).toEqual([a, b]);
    expect(readResults(JSON.stringify(a, null, 2), 'a.json')).toEqual([a]);
  });

  it('says what is wrong with what is not a result', () => {
    expect(() => readResults('hello\n', 'x.log')).toThrow('x.log: no load test result in it');
    expect(() => readResults('{"format":"sim800-emu/loadtest","version":1', 'cut.log')).toThrow('cut.log:1: a result line that is not JSON');
    const a = shardResult(0, 1, [[1]]);
    expect(() => readResults(JSON.stringify({ ...a, version: 2 }), 'new.json')).toThrow('not a load test result: new.json: version must be 1 (written by another version of sim800-emu)');
    expect(() => readResults(JSON.stringify({ ...a, published: -1 }), 'neg.json')).toThrow('not a load test result: neg.json: published');
  });

  it('masks a password in the broker URL', () => {
    expect(maskUrlPassword('mqtt://dev:s3cret@10.0.0.5:1883')).toBe('mqtt://dev:***@10.0.0.5:1883');
    expect(maskUrlPassword('mqtt://10.0.0.5:1883')).toBe('mqtt://10.0.0.5:1883');
  });

  it('sim800-emu loadtest-merge: the report, --json, exit 1 for a missing shard, 2 for what cannot be merged', async () => {
    const dir = tmp();
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.log');
    fs.writeFileSync(a, JSON.stringify(shardResult(0, 2, [[1, 1], [1]]), null, 2));
    fs.writeFileSync(b, `starting\n${resultLine(shardResult(1, 2, [[5], [5, 5]]))}\n`);
    const out = path.join(dir, 'merged.json');
    const both = await runCli(['loadtest-merge', a, b, '--json', out]);
    const stdout = Buffer.from(both.stdout, 'latin1').toString('utf8');
    expect(both.stderr).toBe('');
    expect(both.code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('2/2 shards: 4/4 devices connected; 6 published, 0 failed (0.6 msg/s); publish → ack p50 1.0 ms, p99 5.0 ms');
    expect(stdout).toContain('shard 1: devices 2…3, 2 connected, 3 published, 0 failed in 10.0 s; peak RSS 191 MB, 7021 fds of 20000, CPU 1.0 s');
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ devices: 4, published: 6, missingShards: [] });

    const one = await runCli(['loadtest-merge', a]);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain('missing shards: 1 (no result: the pod failed, or its log was not given)');

    const twice = await runCli(['loadtest-merge', a, a]);
    expect(twice).toMatchObject({ code: 2, stdout: '', stderr: 'loadtest-merge: shard 0/2 given twice\n' });
    const none = await runCli(['loadtest-merge', path.join(dir, 'nope.json')]);
    expect(none).toMatchObject({ code: 2, stderr: `loadtest-merge: ${path.join(dir, 'nope.json')}: ENOENT\n` });
  });
});
