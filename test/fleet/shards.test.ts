/**
 * Four shards of one fleet as four processes (as four pods of a Kubernetes Indexed Job
 * would run them) against one real mosquitto: the broker sees 4 × N distinct client ids
 * and no takeover (no two devices of the fleet share an identity), and the merged report
 * is the sum of the shards' results. Two shards write result files, two print result
 * lines among their output as pods do for `kubectl logs`; the shard comes from --shard,
 * from SIM800_SHARD and from JOB_COMPLETION_INDEX with SIM800_SHARDS.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { identityFor } from '../../src/fleet/identity';
import { Histogram } from '../../src/fleet/histogram';
import { readResults, type LoadtestResult } from '../../src/fleet/result';
import { DEFAULT_MODEM_CONFIG } from '../../src/modem/config';
import { CLI } from '../helpers/cli';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { useTempDir } from '../helpers/tmp';

const N = 5;
const COUNT = 3;
const SHARDS = 4;

let broker: Mosquitto | undefined;
afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});
const tmp = useTempDir('sim800-shards-');

/** Runs the CLI to its end; fails loudly after `ms`. */
function run(args: string[], env: NodeJS.ProcessEnv, ms = 90_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')}: still running after ${ms} ms; stderr: ${stderr}`));
    }, ms);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('four shards as four processes against one mosquitto', () => {
  it('give disjoint identities (no client id twice, no takeover) and merge into the sum of their results', async () => {
    broker = await startMosquitto({ logTypes: ['notice', 'information', 'warning', 'error'] });
    const dir = tmp();
    const common = ['loadtest', '--modems', String(N), '--broker', broker.url, '--qos', '1', '--count', String(COUNT), '--interval', '50', '--log-level', 'warn'];
    const file = (i: number) => path.join(dir, `shard-${i}.json`);
    // How each shard learns its place: the flag, SIM800_SHARD, and a Kubernetes pod's variables.
    const shards: [string[], NodeJS.ProcessEnv][] = [
      [['--shard', `0/${SHARDS}`, '--result', file(0)], {}],
      [['--shard', `1/${SHARDS}`, '--result', file(1)], { JOB_COMPLETION_INDEX: '3', SIM800_SHARDS: String(SHARDS) }],
      [['--result', '-'], { SIM800_SHARD: `2/${SHARDS}`, JOB_COMPLETION_INDEX: '0', SIM800_SHARDS: String(SHARDS) }],
      [['--result', '-'], { JOB_COMPLETION_INDEX: '3', SIM800_SHARDS: String(SHARDS) }],
    ];
    const runs = await Promise.all(shards.map(([args, env]) => run([...common, ...args], env)));
    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });

    // What the broker saw: every device once, under its own client id.
    const log = broker.log();
    const ids = [...log.matchAll(/New client connected from \S+ as (\S+) /g)].map((m) => m[1]);
    expect(ids).toHaveLength(SHARDS * N);
    expect(new Set(ids).size).toBe(SHARDS * N);
    expect(log).not.toMatch(/already connected, closing old connection/);
    const expected = Array.from({ length: SHARDS * N }, (_, g) => `sim800-${identityFor(DEFAULT_MODEM_CONFIG, g).imei}`);
    expect(new Set(ids)).toEqual(new Set(expected));

    // The results: two files, two lines among the others of a pod's output (its log).
    const logs = path.join(dir, 'pods.log');
    fs.writeFileSync(logs, runs[2].stdout + runs[3].stdout);
    const results: LoadtestResult[] = [...readResults(fs.readFileSync(file(0), 'utf8'), 'f0'), ...readResults(fs.readFileSync(file(1), 'utf8'), 'f1'), ...readResults(fs.readFileSync(logs, 'utf8'), 'logs')];
    expect(results.map((r) => [r.shards[0].index, r.shards[0].source, r.shards[0].firstDevice])).toEqual([
      [0, 'flag', 0],
      [1, 'flag', N],
      [2, 'SIM800_SHARD', 2 * N],
      [3, 'JOB_COMPLETION_INDEX', 3 * N],
    ]);
    for (const r of results) expect(r).toMatchObject({ devices: N, connected: N, published: N * COUNT, failed: 0 });

    const out = path.join(dir, 'merged.json');
    const merged = await run(['loadtest-merge', file(0), file(1), logs, '--json', out], {});
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    expect(merged.stdout.split('\n')[0]).toMatch(new RegExp(`^4/4 shards: ${SHARDS * N}/${SHARDS * N} devices connected; ${SHARDS * N * COUNT} published, 0 failed `));
    const m = JSON.parse(fs.readFileSync(out, 'utf8')) as LoadtestResult;
    for (const k of ['devices', 'connected', 'published', 'failed', 'received'] as const) expect(m[k]).toBe(results.reduce((n, r) => n + r[k], 0));
    expect(m.missingShards).toEqual([]);
    // The merged latencies are the four histograms added, bucket by bucket.
    const added = new Histogram();
    for (const r of results) added.add(Histogram.fromJSON(r.latency!.histogram));
    expect(m.latency!.histogram.buckets).toEqual(added.toJSON().buckets);
    expect(m.latency!.count).toBe(SHARDS * N * COUNT);
    expect([m.latency!.p50, m.latency!.p99, m.latency!.max]).toEqual([added.percentile(0.5), added.percentile(0.99), added.max]);
  }, 120_000);
});
