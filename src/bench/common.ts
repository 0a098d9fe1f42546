/**
 * What every benchmark shares: latency summaries, interleaved side-by-side runs (the
 * machine is shared and noisy, so the emulator and its peer take turns in small blocks
 * and drift hits both alike), and a raw socket round-trip loop that is the same client
 * for both sides.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tty from 'node:tty';
import { percentile } from '../fleet/driver';

export interface Latency {
  n: number;
  p50: number;
  p99: number;
  mean: number;
}

export function latency(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean };
}

/** Emulator over peer: how many times slower (latency) or as fast (throughput). */
export const ratio = (ours: number, peer: number): number => ours / peer;

/**
 * Runs `a` and `b` in alternating blocks until each has run `total` times; each returns
 * one sample. `warmup` runs of each come first and are not kept (JIT, socket buffers).
 */
export async function sideBySide(total: number, block: number, warmup: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const out = { a: [] as number[], b: [] as number[] };
  while (out.a.length < total) {
    const n = Math.min(block, total - out.a.length);
    for (let i = 0; i < n; i++) out.a.push(await a());
    for (let i = 0; i < n; i++) out.b.push(await b());
  }
  return out;
}

/**
 * Like sideBySide, for sides that run a block at a time and return its samples (a peer in
 * another process runs its block there and answers with them).
 */
export async function alternate(total: number, block: number, warmup: number, a: (n: number) => Promise<number[]>, b: (n: number) => Promise<number[]>): Promise<{ a: number[]; b: number[] }> {
  if (warmup > 0) {
    await a(warmup);
    await b(warmup);
  }
  const out = { a: [] as number[], b: [] as number[] };
  while (out.a.length < total) {
    const n = Math.min(block, total - out.a.length);
    out.a.push(...(await a(n)));
    out.b.push(...(await b(n)));
  }
  return out;
}

/** Runs `trip` n times in a row, its samples. */
export async function repeat(n: number, trip: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await trip());
  return out;
}

/** What the DTE loop needs of its line: a socket, or a pty's device (PtyLine). */
export interface Line {
  on(event: 'data', listener: (d: Buffer) => void): unknown;
  write(data: string, encoding: 'latin1'): unknown;
  destroy(): unknown;
}

/**
 * The DTE's end of a pty: the device opened as a serial program opens it (the line is raw,
 * set by whoever made the pty), read through the event loop, written with one write(2)
 * per call.
 */
export class PtyLine implements Line {
  private readonly reader: tty.ReadStream;

  constructor(private readonly fd: number) {
    this.reader = new tty.ReadStream(fd);
  }

  static open(device: string): PtyLine {
    return new PtyLine(fs.openSync(device, fs.constants.O_RDWR | fs.constants.O_NOCTTY));
  }

  on(event: 'data', listener: (d: Buffer) => void): this {
    this.reader.on(event, listener);
    return this;
  }

  write(data: string): void {
    const b = Buffer.from(data, 'latin1');
    for (let off = 0; off < b.length; ) off += fs.writeSync(this.fd, b, off);
  }

  destroy(): void {
    this.reader.destroy(); // closes the descriptor
  }
}

/**
 * A minimal DTE: sends bytes and times how long until the reply ends with a marker, or
 * counts markers as they arrive. The same loop against the emulator and against its peer,
 * and as light as possible, so the figures are the servers', not the client's.
 */
export class RoundTripper {
  private acc = '';
  private waiting: { marker: string; resolve: () => void } | null = null;
  private counting: { marker: string; each: () => void; tail: string } | null = null;

  constructor(readonly socket: Line) {
    (socket as net.Socket).setNoDelay?.(true);
    socket.on('data', (d: Buffer) => this.onData(d.toString('latin1')));
  }

  private onData(text: string): void {
    const c = this.counting;
    if (c) {
      // A marker may straddle two chunks: the end of the last one is searched again.
      const hay = c.tail + text;
      for (let i = hay.indexOf(c.marker); i >= 0; i = hay.indexOf(c.marker, i + c.marker.length)) c.each();
      c.tail = hay.slice(-(c.marker.length - 1));
      return;
    }
    this.acc += text;
    const w = this.waiting;
    if (w && this.acc.endsWith(w.marker)) {
      this.waiting = null;
      this.acc = '';
      w.resolve();
    }
  }

  /** Calls `each` for every `marker` received from now on (instead of trip()). */
  countEach(marker: string, each: () => void): void {
    this.counting = { marker, each, tail: '' };
  }

  private pending = '';

  /**
   * Writes without timing anything (the throughput loop), gathered per event-loop turn
   * into one write, as the emulator's TCP wire does and as firmware filling a UART buffer
   * would, so the harness's own system calls and stream requests weigh little.
   */
  write(data: string): void {
    if (this.pending === '') setImmediate(this.flush);
    this.pending += data;
  }

  private readonly flush = () => {
    const out = this.pending;
    this.pending = '';
    this.socket.write(out, 'latin1');
  };

  static connect(port: number, host = '127.0.0.1'): Promise<RoundTripper> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => {
        s.off('error', reject);
        resolve(new RoundTripper(s));
      });
      s.once('error', reject);
    });
  }

  /** Milliseconds from the write until the bytes received end with `marker`. */
  trip(data: string, marker: string, timeoutMs = 5000): Promise<number> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const timer = setTimeout(() => reject(new Error(`no ${JSON.stringify(marker)} within ${timeoutMs} ms; got ${JSON.stringify(this.acc)}`)), timeoutMs);
      this.acc = '';
      this.waiting = {
        marker,
        resolve: () => {
          clearTimeout(timer);
          resolve(performance.now() - t0);
        },
      };
      this.socket.write(data, 'latin1');
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Takes over a stream a DteClient has set up (its listeners go: one reader only). */
  static takeOver(stream: net.Socket | import('node:stream').Duplex): RoundTripper {
    stream.removeAllListeners('data');
    return new RoundTripper(stream);
  }
}

/** Listens on 127.0.0.1, any free port. */
export function listenAny(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

export const closeServer = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));
