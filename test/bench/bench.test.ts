/**
 * CI only checks that `npm run bench -- --quick` runs and writes a results file with every
 * section; no figure is judged here (bench/README.md: the machines are shared and noisy).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { benchColdStart, timeToFirstLine, withoutExtraCaCerts } from '../../src/bench/coldStart';
import { useTempDir } from '../helpers/tmp';

const RUN = path.resolve(__dirname, '..', '..', 'dist', 'bench', 'run.js');
const tmp = useTempDir('sim800-bench-');

/** A certificate file Node accepts in NODE_EXTRA_CA_CERTS: one of its own roots. */
function caFile(): string {
  const file = path.join(tmp(), 'extra-ca.pem');
  fs.writeFileSync(file, tls.rootCertificates[0] + '\n');
  return file;
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bench -- --quick', () => {
  it('runs every benchmark and writes every section to the results file', async () => {
    const out = path.join(tmp(), 'results.json');
    // Set as on the machines here (benchmark 7 then times the start without it too).
    const ca = caFile();
    const r = await run(['--quick', '--out', out], { ...process.env, NODE_EXTRA_CA_CERTS: ca });
    expect(r.stderr).not.toMatch(/Error|Warning/);
    expect(r.code).toBe(0);
    const results = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect(Object.keys(results)).toEqual(
      expect.arrayContaining(['machine', 'atRoundTrip', 'mqttLoop', 'throughput', 'parser', 'pacing', 'fleet', 'coldStart', 'tcpEcho', 'cipMqtt', 'allocation', 'loadavgStart', 'loadavgEnd']),
    );
    expect(results.machine).toEqual(expect.objectContaining({ nproc: expect.any(Number), node: process.version, cpu: expect.any(String), nodeExtraCaCerts: ca }));
    // Benchmark 7 as the environment is, and again without the certificates Node reads at every start.
    expect(results.coldStart.extraCaCerts).toBe(ca);
    expect(results.coldStart.withoutExtraCaCerts.ratio).toBeGreaterThan(0);
    expect(r.stdout).toContain(`… without NODE_EXTRA_CA_CERTS (set here: ${ca})`);
    for (const ratio of [results.atRoundTrip.ratio.p50, results.mqttLoop.ratio.p50, results.throughput.qos0.ratio, results.throughput.qos1.ratio, results.parser.ratio, results.coldStart.ratio, results.tcpEcho.ratio.p50, results.tcpEcho.throughput.ratio, results.cipMqtt.ratio, results.mqttLoop.relay.ratio.p50, results.throughput.qos0.relay.ratio, results.throughput.qos1.relay.ratio]) {
      expect(ratio).toBeGreaterThan(0);
    }
    // The fleet ran each size with every modem online and publishing, the last behind one shared port with one descriptor per modem.
    expect(results.fleet.map((f: { modems: number; online: number; failed: number; sharedPort: boolean }) => [f.modems, f.online, f.failed, f.sharedPort])).toEqual([
      [1, 1, 0, false],
      [3, 3, 0, false],
      [3, 3, 0, true],
    ]);
    expect(r.stdout).toMatch(/fleet N=3 --shared-port publishing/);
    // The bring-up is timed at the moment the fleet saw its last session go online, which
    // the status polls can only see later; the CPU figures are read at that moment too.
    for (const f of results.fleet) {
      expect(f.onlineFrom).toBe('event');
      expect(f.onlineMs).toBeGreaterThan(0);
      expect(f.onlineMs).toBeLessThanOrEqual(f.onlinePolledMs);
      expect(f.onlineCpuMs.fleet).toBeGreaterThan(0);
      expect(f.onlineCpuMs.dtes).toBeGreaterThan(0);
    }
    // Allocation counted by the same probe in the emulator and in the bare responder (its peer).
    expect(results.allocation.at.bytesPerRound).toBeGreaterThan(0);
    expect(results.allocation.atPeer.bytesPerRound).toBeGreaterThan(0);
    expect(results.allocation.mqttLoop.bytesPerRound).toBeGreaterThan(0);
    expect(results.allocation.mqttLoopPeer.bytesPerRound).toBeGreaterThan(0);
    // Benchmark 3 keeps 64 publishes in flight on both sides, judged, and 8 beside it.
    expect([results.throughput.qos0.window, results.throughput.qos1.window]).toEqual([64, 64]);
    expect([results.throughput.shallow.qos0.window, results.throughput.shallow.qos1.window]).toEqual([8, 8]);
    expect(r.stdout).toMatch(/^3 +publish throughput QoS 0, 64 in flight, msg\/s/m);
    expect(r.stdout).toMatch(/^ +publish throughput QoS 1, 8 in flight \(the depth of the runs before 2026-12-01\), msg\/s/m);
    // The table: one row per benchmark, numbered 1 to 10.
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) expect(r.stdout).toMatch(new RegExp(`^${n} +\\S`, 'm'));
  }, 180_000);
});

describe('npm run bench -- --window', () => {
  it('sets how many publishes each side of benchmark 3 keeps in flight', async () => {
    const out = path.join(tmp(), 'results.json');
    const r = await run(['--quick', '--only', '3', '--window', '3', '--out', out]);
    expect(r.code).toBe(0);
    const results = JSON.parse(fs.readFileSync(out, 'utf8'));
    expect([results.throughput.qos0.window, results.throughput.qos1.window]).toEqual([3, 3]);
    expect(results.throughput.shallow).toBeUndefined();
    expect(r.stdout).toMatch(/^ +publish throughput QoS 1, 3 in flight, msg\/s/m);
  }, 60_000);

  it('refuses a window that is not a whole number ≥ 1', async () => {
    const r = await run(['--quick', '--only', '3', '--window', '0', '--out', path.join(tmp(), 'r.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--window: a whole number of publishes ≥ 1, not 0');
  });
});

describe('benchmark 7, the environment it starts the CLI and node in', () => {
  // The child fails before its line if it was given the variable.
  const refuses = ['-e', 'if (process.env.NODE_EXTRA_CA_CERTS !== undefined) process.exit(3); console.log("ready")'];

  it('the second pair runs without NODE_EXTRA_CA_CERTS and with the rest of the environment', async () => {
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: caFile(), SIM800_BENCH_MARK: 'kept' };
    const without = withoutExtraCaCerts(env);
    expect(without).not.toHaveProperty('NODE_EXTRA_CA_CERTS');
    expect(without.SIM800_BENCH_MARK).toBe('kept');
    expect(env.NODE_EXTRA_CA_CERTS).toBeDefined(); // the bench's own is left alone
    expect(await timeToFirstLine(refuses, 10_000, without)).toBeGreaterThan(0);
    await expect(timeToFirstLine(refuses, 10_000, env)).rejects.toThrow(/exited \(3\) before its first line/);
  }, 30_000);

  it('no second pair when the variable is not set', async () => {
    // The CLI the bench starts is the built one (dist/cli/main.js), as in `npm run bench`.
    const r = await benchColdStart(1, withoutExtraCaCerts(process.env), path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js'));
    expect(r.extraCaCerts).toBeNull();
    expect(r.withoutExtraCaCerts).toBeUndefined();
    expect(r.cli.median).toBeGreaterThan(0);
  }, 30_000);
});

describe('npm run loadtest', () => {
  it('drives every device and says so; exit 0 when all connected and nothing failed', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { main } = await import('../../src/cli/loadtest');
      const json = path.join(tmp(), 'report.json');
      expect(await main(['--modems', '3', '--count', '2', '--interval', '20', '--qos', '1', '--json', json])).toBe(0);
      expect(log.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringMatching(/^3\/3 devices connected; 6 published, 0 failed/));
      const report = JSON.parse(fs.readFileSync(json, 'utf8'));
      expect(report.devices.map((d: { published: number }) => d.published)).toEqual([2, 2, 2]);
    } finally {
      log.mockRestore();
    }
  });

  it('exit 1 and the failing step per device when the broker cannot be reached', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      const { main } = await import('../../src/cli/loadtest');
      expect(await main(['--modems', '2', '--count', '1', '--broker', 'mqtt://127.0.0.1:1'])).toBe(1);
      expect(log.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringMatching(/^device 1 \(sim800-\d+\): stopped at connect: AT\+SMCONN → \+CME ERROR: 161$/));
    } finally {
      log.mockRestore();
    }
  });
});
