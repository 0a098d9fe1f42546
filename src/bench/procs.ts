/**
 * The processes a benchmark runs: the emulator as users start it (`node dist/cli/main.js`,
 * its own process), each peer in a process of its own (peerChild.ts), and a mosquitto.
 * Nothing under measurement shares an event loop with anything else: the bench process
 * only drives the DTE side, the same client loop for the emulator and its peer.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const CLI = path.resolve(__dirname, '..', 'cli', 'main.js');
const PEER = path.join(__dirname, 'peerChild.js');
const PROBE = path.join(__dirname, 'allocProbe.js');

/** A child spoken to over IPC: request → one answer, in order. */
export class Rpc {
  private readonly queue: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private readonly exited: Promise<number | null>;
  private stderr = '';

  constructor(readonly child: ChildProcess) {
    child.on('message', (m: { error?: string }) => {
      const w = this.queue.shift();
      if (!w) return;
      if (m && typeof m === 'object' && 'error' in m && m.error) w.reject(new Error(m.error));
      else w.resolve(m);
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        for (const w of this.queue.splice(0)) w.reject(new Error(`child exited (${code}): ${this.stderr.trim()}`));
        resolve(code);
      }),
    );
  }

  ask<T>(req: unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ resolve: resolve as (v: unknown) => void, reject });
      this.child.send(req as object);
    });
  }

  /** Asks it to stop, then kills it if it does not within 5 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ op: 'stop' });
    else this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

export type PeerKind = 'tcp-responder' | 'pty-responder' | 'mqtt-peer' | 'receiver' | 'echo' | 'mqtt-relay';

/**
 * A peer process (peerChild.ts); its first message says where it is. With `probe`, the
 * allocation probe is preloaded as into the emulator, so both are counted the same way.
 */
export async function startPeer<Ready>(kind: PeerKind, args: Record<string, unknown> = {}, opts: { probe?: boolean } = {}): Promise<{ rpc: Rpc; ready: Ready }> {
  const child = fork(PEER, [kind, JSON.stringify(args)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: opts.probe ? ['-r', PROBE] : [] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // Its first message says it is ready (and where); requests only after it.
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (m) => resolve(m as Ready));
    child.once('exit', (code) => reject(new Error(`peer ${kind} exited (${code}): ${stderr.trim()}`)));
  });
  return { rpc: new Rpc(child), ready };
}

export interface EmulatorProcess {
  readyLine: string;
  /** From the ready line. */
  tcp?: { host: string; port: number };
  pty?: string;
  broker?: string;
  /** Heap bytes the process allocated between start and stop (with `probe`: allocProbe.ts). */
  allocation: { start(): Promise<void>; stop(): Promise<{ bytes: number; gcs: number; gcMs: number }> };
  stop(): Promise<void>;
}

/**
 * The emulator as a user starts it: `node dist/cli/main.js ARGS` in its own process, ready
 * when its ready line is out. With `probe`, the allocation probe is preloaded (`-r`) and
 * the process has an IPC channel for it; nothing else about the emulator changes.
 */
export async function startEmulatorProcess(args: string[], opts: { probe?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<EmulatorProcess> {
  const child = opts.probe
    ? fork(CLI, args, { execArgv: ['-r', PROBE], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: opts.env })
    : spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env });
  const rpc = opts.probe ? new Rpc(child) : null;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const readyLine = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // anything later is drained, never read
      resolve(out.slice(0, nl));
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}) before its ready line: ${stderr.trim()}`)));
  });
  const field = (name: string) => new RegExp(`(?:^| )${name}=(\\S+)`).exec(readyLine)?.[1];
  const tcp = field('tcp');
  const at = tcp ? /^(.*):(\d+)$/.exec(tcp) : null;
  return {
    readyLine,
    tcp: at ? { host: at[1].replace(/^\[(.*)\]$/, '$1'), port: Number(at[2]) } : undefined,
    pty: field('pty'),
    broker: field('broker'),
    allocation: {
      async start() {
        if (!rpc) throw new Error('startEmulatorProcess: allocation needs { probe: true }');
        await rpc.ask({ op: 'alloc-start' });
      },
      async stop() {
        if (!rpc) throw new Error('startEmulatorProcess: allocation needs { probe: true }');
        return rpc.ask({ op: 'alloc-stop' });
      },
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A port the kernel handed out a moment ago and that is closed again (for mosquitto, which cannot listen on 0 and say where). */
function recentPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

export function findMosquitto(): string | null {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto']) if (fs.existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v mosquitto'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** A mosquitto of the bench's own on a free loopback port (anonymous, no persistence). */
export async function startMosquitto(): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = findMosquitto();
  if (!bin) throw new Error('mosquitto not found: install it (Debian: apt-get install mosquitto) for the --broker mqtt:// benchmarks');
  for (let attempt = 1; ; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-bench-mosq-'));
    const port = await recentPort();
    const conf = [`listener ${port} 127.0.0.1`, 'persistence false', 'allow_anonymous true', 'max_queued_messages 100000', 'max_inflight_messages 0', 'log_dest stderr', 'log_type error'];
    if (process.getuid?.() === 0) conf.push('user root');
    fs.writeFileSync(path.join(dir, 'mosquitto.conf'), conf.join('\n') + '\n');
    const child = spawn(bin, ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    };
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && child.exitCode === null && !(await accepts(port))) await new Promise((r) => setTimeout(r, 25));
    if (child.exitCode === null && (await accepts(port))) return { url: `mqtt://127.0.0.1:${port}`, stop };
    await stop();
    if (!/Address already in use/i.test(log) || attempt >= 5) throw new Error(`mosquitto did not start on ${port}: ${log.trim()}`);
  }
}
