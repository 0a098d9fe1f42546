/**
 * Helpers for the TCP/IP tests: real peers on 127.0.0.1 port 0 (scripted TCP, echo TCP,
 * echo UDP, TLS echo), and waits on the DTE's byte stream with a limit that fails loudly.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readyDte, type Dte } from '../helpers/dte';

export const LIMIT_MS = 10_000;

/** Resolves once the DTE's bytes after offset `from` contain `text`; throws with what came. */
export async function waitText(dte: Dte, text: string, from = 0, timeoutMs = LIMIT_MS): Promise<void> {
  await dte.client.waitForRaw(text, timeoutMs, from);
}

/**
 * Sends `line` (CR appended), waits until `until` has arrived after it, lets the engine
 * settle, and returns every byte the line produced so far.
 */
export async function sendUntil(dte: Dte, line: string, until: string, timeoutMs = LIMIT_MS): Promise<string> {
  await dte.settle();
  dte.mark();
  const from = dte.received().length;
  dte.write(line + '\r');
  await waitText(dte, until, from, timeoutMs);
  await dte.settle();
  return dte.sinceMark();
}

/**
 * Sends a line that answers with the `> ` data prompt and returns its bytes once the prompt
 * is there (no settling: the engine stays busy until the data phase ends).
 */
export async function prompt(dte: Dte, line: string, timeoutMs = LIMIT_MS): Promise<string> {
  await dte.settle();
  dte.mark();
  const from = dte.received().length;
  dte.write(line + '\r');
  await waitText(dte, '> ', from, timeoutMs);
  return dte.sinceMark();
}

/** Writes raw bytes (data after a prompt) and returns what came once `until` arrived. */
export async function writeUntil(dte: Dte, data: string | Buffer, until: string, timeoutMs = LIMIT_MS): Promise<string> {
  dte.mark();
  const from = dte.received().length;
  dte.write(data);
  await waitText(dte, until, from, timeoutMs);
  await dte.settle();
  return dte.sinceMark();
}

/** Polls `check` until it returns true (real time, bounded). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = LIMIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The stack up in the given mode: CIPMUX, CSTT, CIICR, CIFSR, each answer checked. */
export async function stackUp(dte: Dte, mux: 0 | 1 = 0, extra: string[] = []): Promise<void> {
  const expectOk = async (line: string, answer = '\r\nOK\r\n') => {
    const got = await dte.exchange(line);
    if (got !== answer) throw new Error(`${line} answered ${JSON.stringify(got)}`);
  };
  await expectOk(`AT+CIPMUX=${mux}`);
  for (const line of extra) await expectOk(line);
  await expectOk('AT+CSTT="CMNET"');
  await expectOk('AT+CIICR');
  const ip = await dte.exchange('AT+CIFSR');
  if (!/^\r\n\d+\.\d+\.\d+\.\d+\r\n$/.test(ip)) throw new Error(`AT+CIFSR answered ${JSON.stringify(ip)}`);
}

/** What connectToPeer started: the module's DTE and the peer it is connected to. */
export interface PeerLink {
  dte: Awaited<ReturnType<typeof readyDte>>;
  peer: PeerServer;
}

/**
 * A peer on 127.0.0.1:0 (an echo server with `echo`) and the module connected to it: ready,
 * the stack up (stackUp with `extra`) in single mode, or in multi mode when `id` is given,
 * then AT+CIPSTART to the peer answered CONNECT OK (`<id>, CONNECT OK`). If a step fails,
 * what it started is ended before the error is thrown.
 */
export async function connectToPeer(opts: { id?: number; extra?: string[]; echo?: boolean; emulator?: Parameters<typeof readyDte>[0] } = {}): Promise<PeerLink> {
  const peer = await PeerServer.start({ echo: opts.echo });
  let dte: PeerLink['dte'] | undefined;
  try {
    dte = await readyDte(opts.emulator);
    if (opts.id === undefined) {
      await stackUp(dte, 0, opts.extra);
      await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1",${peer.port}`, 'CONNECT OK\r\n');
    } else {
      await stackUp(dte, 1, opts.extra);
      await sendUntil(dte, `AT+CIPSTART=${opts.id},"TCP","127.0.0.1",${peer.port}`, `${opts.id}, CONNECT OK\r\n`);
    }
    return { dte, peer };
  } catch (e) {
    await endAll(dte, peer);
    throw e;
  }
}

/** What a test starts and the after-each hook ends: the DTE, a peer, an MQTT observer. */
export type Part = { close(): Promise<void> } | { stop(): Promise<void> } | undefined;

const ended = new WeakSet<object>();

/**
 * The after-each hook of a TCP/IP test file: closes or stops each part, in the order
 * given. A part the test did not start again (still the one from an earlier test) was
 * ended then and is skipped, so the file's variables need no resetting.
 */
export async function endAll(...parts: Part[]): Promise<void> {
  for (const p of parts) {
    if (!p || ended.has(p)) continue;
    ended.add(p);
    await ('close' in p ? p.close() : p.stop());
  }
}

/** One accepted connection of a PeerServer. */
export class PeerConn {
  private chunks: Buffer[] = [];
  private size = 0;
  ended = false;
  closed = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => {
      this.chunks.push(c);
      this.size += c.length;
    });
    socket.on('end', () => (this.ended = true));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  get received(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  async waitBytes(n: number, timeoutMs = LIMIT_MS): Promise<Buffer> {
    await eventually(`${n} bytes at the peer (have ${this.size})`, () => this.size >= n, timeoutMs);
    return this.received;
  }

  async waitClosed(timeoutMs = LIMIT_MS): Promise<void> {
    await eventually('the peer connection to close', () => this.closed, timeoutMs);
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () => resolve()));
  }

  end(data?: string | Buffer): void {
    if (data !== undefined) this.socket.end(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    else this.socket.end();
  }
}

/** A TCP (or TLS) server on 127.0.0.1:0 whose connections the test drives; `echo` echoes. */
export class PeerServer {
  readonly conns: PeerConn[] = [];
  private server!: net.Server;
  port = 0;

  private constructor(private readonly echo: boolean) {}

  static async start(opts: { echo?: boolean; tls?: tls.SecureContextOptions } = {}): Promise<PeerServer> {
    const p = new PeerServer(opts.echo ?? false);
    const onConn = (s: net.Socket) => {
      const c = new PeerConn(s);
      p.conns.push(c);
      if (p.echo) s.on('data', (d: Buffer) => s.write(d));
    };
    p.server = opts.tls ? tls.createServer({ ...opts.tls, minVersion: 'TLSv1' }, onConn) : net.createServer(onConn);
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', () => r()));
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  async conn(i = 0, timeoutMs = LIMIT_MS): Promise<PeerConn> {
    await eventually(`connection #${i} at the peer`, () => this.conns.length > i, timeoutMs);
    return this.conns[i];
  }

  async stop(): Promise<void> {
    for (const c of this.conns) c.socket.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** A UDP echo server on 127.0.0.1:0 that also records what it got. */
export class UdpEcho {
  readonly datagrams: Buffer[] = [];
  port = 0;
  private constructor(private readonly socket: dgram.Socket) {}

  static async start(): Promise<UdpEcho> {
    const s = dgram.createSocket('udp4');
    const u = new UdpEcho(s);
    s.on('message', (msg, rinfo) => {
      u.datagrams.push(msg);
      s.send(msg, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    u.port = s.address().port;
    return u;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Every byte value once, 0x00..0xFF. */
export const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** Deterministic pseudo-random bytes (no Math.random in tests). */
export function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

/** Latin1 view of bytes, the wire text's encoding. */
export const latin1 = (b: Buffer): string => b.toString('latin1');
