/**
 * `npm run loadtest` (the built CLI's `loadtest`): on a terminal a progress line on
 * stderr, redrawn in place (devices online, published, failed), erased before the report;
 * with stderr not a terminal (CI, a pipe) not a byte of it.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';

const CLI = path.join(__dirname, '..', '..', 'dist', 'cli', 'main.js');
// Three devices, four publishes each 600 ms apart: the run outlasts several 500 ms frames
// after the first acknowledgement, whatever the machine's load (timers fire in due order).
const ARGS = ['loadtest', '--modems', '3', '--count', '4', '--interval', '600'];

function run(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const script = spawnSync('script', ['--version']).status === 0;

it('util-linux script is there to give the run a terminal', () => {
  expect({ script }).toEqual({ script: true });
});

it('on a terminal: the progress line, redrawn in place, then erased before the report', async () => {
  // script(1) runs the load test with a pty as its stdin, stdout and stderr, and copies
  // what it writes to our pipe.
  const cmd = [process.execPath, CLI, ...ARGS].map((a) => `'${a}'`).join(' ');
  const r = await run(['script', '-qfec', cmd, '/dev/null']);
  expect({ code: r.code, out: r.stdout }).toMatchObject({ code: 0 });
  const frames = r.stdout.split('\r\x1b[K').slice(1);
  expect(frames[0]).toBe('loadtest: 0/3 devices online, 0 published, 0 failed, 0.0 s');
  const progress = frames.filter((f) => f.startsWith('loadtest: '));
  for (const f of progress) expect(f).toMatch(/^loadtest: [0-3]\/3 devices online, \d+ published, 0 failed, \d+\.\d s$/);
  expect(progress.some((f) => /^loadtest: 3\/3 devices online, [1-9]\d* published, 0 failed/.test(f))).toBe(true);
  // The counts only grow.
  const published = progress.map((f) => Number(/(\d+) published/.exec(f)![1]));
  expect(published).toEqual([...published].sort((a, b) => a - b));
  // The last erase leaves the report on a clean line.
  expect(frames[frames.length - 1]).toMatch(/^3\/3 devices connected; 12 published, 0 failed/);
});

it('not on a terminal: no progress at all, only the report', async () => {
  const r = await run([process.execPath, CLI, ...ARGS]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).not.toContain('\r');
  expect(r.stdout).toMatch(/^3 devices, MQTT to mqtt:\/\/127\.0\.0\.1:\d+ \(they configure 127\.0\.0\.1:\d+\), 4 publishes each\n3\/3 devices connected; 12 published, 0 failed/);
});
