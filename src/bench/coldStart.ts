/**
 * 7. Cold start: the CLI from `node dist/cli/main.js` to its ready line (target ≤ 150 ms),
 * against Node itself starting and printing a line, in the same run; the median of
 * several runs each, taken in turns.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { latency, ratio, sideBySide } from './common';

export interface ColdStartResult {
  runs: number;
  /** Median and best, ms. */
  cli: { median: number; best: number };
  peer: { median: number; best: number };
  ratio: number;
  command: string;
}

export const CLI = path.resolve(__dirname, '..', 'cli', 'main.js');
/** Any free ports, so runs never collide with each other or with anything else. */
export const CLI_ARGS = ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'warn'];

/** Milliseconds from spawn to the first line on stdout; the child is then stopped. */
export function timeToFirstLine(args: string[], timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      if (!out.includes('\n') && (out += d.toString()).includes('\n')) {
        const t = performance.now() - t0;
        child.once('exit', () => resolve(t));
        child.kill('SIGTERM');
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!out.includes('\n')) reject(new Error(`${args.join(' ')} exited (${code}) before its first line: ${err.trim()}`));
    });
  });
}

export async function benchColdStart(runs: number): Promise<ColdStartResult> {
  const s = await sideBySide(runs, 1, 1, () => timeToFirstLine([CLI, ...CLI_ARGS]), () => timeToFirstLine(['-e', 'console.log("ready")']));
  const cli = latency(s.a);
  const peer = latency(s.b);
  const best = (xs: number[]) => Math.min(...xs);
  return {
    runs,
    cli: { median: cli.p50, best: best(s.a) },
    peer: { median: peer.p50, best: best(s.b) },
    ratio: ratio(cli.p50, peer.p50),
    command: `node dist/cli/main.js ${CLI_ARGS.join(' ')}`,
  };
}
