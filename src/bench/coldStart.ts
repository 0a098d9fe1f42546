/**
 * 7. Cold start: the CLI from `node dist/cli/main.js` to its ready line (target ≤ 150 ms),
 * against Node itself starting and printing a line, in the same run; the median of
 * several runs each, taken in turns.
 *
 * Node reads the certificates NODE_EXTRA_CA_CERTS names at every start, before any script
 * runs, and builds its root store for them: on this VM about 45 ms for the system bundle
 * the machine sets it to, which every Node program pays, the peer as much as the CLI. When
 * the variable is set, both are timed again without it, so the table shows the start as
 * the bench's environment makes it and as a default one does (bench/README.md, cold start).
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
  /** NODE_EXTRA_CA_CERTS as the bench found it (null: unset). */
  extraCaCerts: string | null;
  /** When it was set: the same pair timed with it removed from the children's environment. */
  withoutExtraCaCerts?: { cli: { median: number; best: number }; peer: { median: number; best: number }; ratio: number };
}

export const CLI = path.resolve(__dirname, '..', 'cli', 'main.js');
/** Any free ports, so runs never collide with each other or with anything else. */
export const CLI_ARGS = ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'warn'];

/** Milliseconds from spawn to the first line on stdout; the child is then stopped. `env`: the child's environment (default: the bench's). */
export function timeToFirstLine(args: string[], timeoutMs = 10_000, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
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

/** The CLI against `node -e`, `runs` of each in turns, in the environment `env`. */
async function pair(runs: number, env: NodeJS.ProcessEnv, main: string) {
  const s = await sideBySide(runs, 1, 1, () => timeToFirstLine([main, ...CLI_ARGS], undefined, env), () => timeToFirstLine(PEER_ARGS, undefined, env));
  const cli = latency(s.a).p50;
  const peer = latency(s.b).p50;
  return { cli: { median: cli, best: Math.min(...s.a) }, peer: { median: peer, best: Math.min(...s.b) }, ratio: ratio(cli, peer) };
}

const PEER_ARGS = ['-e', 'console.log("ready")'];

/** The environment without NODE_EXTRA_CA_CERTS. */
export function withoutExtraCaCerts(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _gone, ...rest } = env;
  return rest;
}

/** `env`: the environment both are started in (the bench's); `cli`: the CLI's main module (the built one beside this file). */
export async function benchColdStart(runs: number, env: NodeJS.ProcessEnv = process.env, cli = CLI): Promise<ColdStartResult> {
  const asIs = await pair(runs, env, cli);
  const extraCaCerts = env.NODE_EXTRA_CA_CERTS ?? null;
  return {
    runs,
    ...asIs,
    command: `node dist/cli/main.js ${CLI_ARGS.join(' ')}`,
    extraCaCerts,
    ...(extraCaCerts === null ? {} : { withoutExtraCaCerts: await pair(runs, withoutExtraCaCerts(env), cli) }),
  };
}
