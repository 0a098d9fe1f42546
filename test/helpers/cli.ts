/**
 * Spawning the built CLI (dist/cli/main.js; `npm test` builds it first) the way scripts
 * do: wait for the one ready line, learn the port from it. Every child is tracked so a
 * test's afterEach can kill whatever is left (no strays).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const CLI = path.resolve(__dirname, '..', '..', 'dist', 'cli', 'main.js');

const children = new Set<ChildProcess>();

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly readyLine: string;
  /** The ready line's key=value fields (`tcp`, `broker`, ...). */
  readonly fields: Record<string, string>;
  /** The TCP port from `tcp=HOST:PORT`. */
  readonly port: number;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<Exit>;
  /** Sends the signal and resolves with the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** `sim800-emu ready tcp=127.0.0.1:2323 broker=mqtt://…` → { tcp: '127.0.0.1:2323', broker: … }. */
export function parseReadyLine(line: string): Record<string, string> {
  if (!line.startsWith('sim800-emu ready')) throw new Error(`not a ready line: ${JSON.stringify(line)}`);
  const fields: Record<string, string> = {};
  for (const tok of line.slice('sim800-emu ready'.length).trim().split(/\s+/).filter(Boolean)) {
    const eq = tok.indexOf('=');
    fields[eq < 0 ? tok : tok.slice(0, eq)] = eq < 0 ? '' : tok.slice(eq + 1);
  }
  return fields;
}

/** `env` is added to the test process's environment. */
function track(args: string[], env?: NodeJS.ProcessEnv): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: env ? { ...process.env, ...env } : undefined });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
  child.once('exit', () => children.delete(child));
  // 'close', not 'exit': it comes once stdout and stderr are drained, so what the process
  // wrote before it died (its last log lines) is in out/err when this resolves.
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exited };
}

/**
 * Starts the CLI and resolves once its ready line is out (on stdout, or on stderr with
 * --stdio). Rejects with the child's stderr if it exits first.
 */
export async function startCli(args: string[], timeoutMs = 10_000, env?: NodeJS.ProcessEnv): Promise<RunningCli> {
  const t = track(args, env);
  const onStderr = args.includes('--stdio');
  const stream = onStderr ? t.child.stderr! : t.child.stdout!;
  const source = onStderr ? t.err : t.out;
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ready line within ${timeoutMs} ms; stderr: ${t.err()}`)), timeoutMs);
    const check = () => {
      const m = /^sim800-emu ready[^\n]*$/m.exec(source());
      if (m) done(null, m[0]);
    };
    function done(err: Error | null, line?: string) {
      clearTimeout(timer);
      stream.off('data', check);
      if (err) reject(err);
      else resolve(line!);
    }
    stream.on('data', check);
    void t.exited.then((e) => done(new Error(`CLI exited (${e.code ?? e.signal}) before ready; stderr: ${t.err()}`)));
  });
  const fields = parseReadyLine(readyLine);
  const port = fields.tcp ? Number(/:(\d+)$/.exec(fields.tcp)?.[1]) : NaN;
  return {
    child: t.child,
    readyLine,
    fields,
    port,
    stdout: t.out,
    stderr: t.err,
    exited: t.exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (t.child.exitCode === null && t.child.signalCode === null) t.child.kill(signal);
      return t.exited;
    },
  };
}

/** Runs the CLI to completion (for flags that exit at once); kills it after timeoutMs. */
export async function runCli(args: string[], timeoutMs = 10_000, env?: NodeJS.ProcessEnv): Promise<Exit & { stdout: string; stderr: string }> {
  const t = track(args, env);
  t.child.stdin!.end();
  const timer = setTimeout(() => t.child.kill('SIGKILL'), timeoutMs);
  const exit = await t.exited;
  clearTimeout(timer);
  return { ...exit, stdout: t.out(), stderr: t.err() };
}

/** Kills every CLI child still running (afterEach/afterAll). */
export async function killAllClis(): Promise<void> {
  const waits = [...children].map(
    (c) =>
      new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}
