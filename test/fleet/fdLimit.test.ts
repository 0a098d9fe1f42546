/**
 * A fleet against `ulimit -n`: every TCP modem needs descriptors for its listener and its
 * DTE's connection (and its MQTT link, unless the broker is the embedded one). Past the limit libuv drops new connections
 * without telling the emulator, so the fleet says so at start, in one `error` line that
 * names `ulimit -n`.
 */
import { spawn } from 'node:child_process';
import { CLI } from '../helpers/cli';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The fleet CLI under a given `ulimit -n`, stopped with SIGTERM once ready (or run to its end). */
function fleetUnder(limit: number, modems: number, extra: string[] = []): Promise<Run> {
  const args = ['--modems', String(modems), '--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--log-level', 'warn', ...extra];
  const child = spawn('/bin/sh', ['-c', `ulimit -n ${limit} && exec "$0" "$@"`, process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (stdout.includes('\n')) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    }),
  );
}

const ulimitLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('ulimit -n'));

describe('a fleet and ulimit -n', () => {
  it('too low for every modem connected: one error line at start naming ulimit -n; the fleet still starts', async () => {
    const r = await fleetUnder(64, 20);
    expect(r.stdout).toMatch(/^sim800-emu ready tcp=.* modems=20\n$/);
    const lines = ulimitLines(r.stderr);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as { level: number; msg: string; limit: number; needed: number };
    expect(entry).toMatchObject({ level: 50, limit: 64 });
    expect(entry.needed).toBeGreaterThan(20 * 2);
    expect(entry.msg).toMatch(/^20 modems need about \d+ file descriptors \(2 each: the wire\) but `ulimit -n` is 64: DTE connections past the limit will be dropped/);
    expect(r.code).toBe(0);
  });

  it('too low even for the listeners: the start fails naming ulimit -n and the limit', async () => {
    const r = await fleetUnder(40, 30);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\nsim800-emu: --tcp: modem \d+: cannot listen on 127\.0\.0\.1:0: EMFILE \(out of file descriptors: raise the limit with `ulimit -n`\) \(now 40\)\n$/);
  });

  it('too low for a port each but enough behind one shared port: the error line says --shared-port would fit; with it, nothing is said', async () => {
    const r = await fleetUnder(350, 200);
    const lines = ulimitLines(r.stderr);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as { msg: string };
    expect(entry.msg).toMatch(/^200 modems need about \d+ file descriptors \(2 each: the wire\) but `ulimit -n` is 350: .*, or use --shared-port \(one listener for the fleet: 1 each, \d+ in all\)$/);
    expect(r.code).toBe(0);

    const shared = await fleetUnder(350, 200, ['--shared-port']);
    expect(shared.stdout).toMatch(/^sim800-emu ready tcp-shared=127\.0\.0\.1:\d+ .*modems=200\n$/);
    expect(ulimitLines(shared.stderr)).toEqual([]);
    expect(shared.code).toBe(0);
  });

  it('high enough: nothing is said', async () => {
    const r = await fleetUnder(4096, 3);
    expect(r.stdout).toMatch(/^sim800-emu ready .* modems=3\n$/);
    expect(ulimitLines(r.stderr)).toEqual([]);
  });
});
