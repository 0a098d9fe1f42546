/**
 * Baud-rate pacing: the modem's bytes reach the DTE no faster than a real UART sends
 * them (86.8 µs per byte at 115200 8N1). A timer per byte is far too coarse (Node's
 * timers fire every ~1 ms at best), so the pacer keeps the ideal schedule, the moment
 * each byte's stop bit ends on the wire, and at every timer turn hands the sink all the
 * bytes that are due. Lateness of a turn delays bytes but never accumulates: the next
 * turn catches up with the ideal schedule.
 *
 * Order is the wire's: bytes leave in the order they were written, so a URC written
 * after a response never overtakes it.
 */
import type { Clock, TimerHandle } from '../clock';
import type { OutputBound } from './outputBound';

/**
 * Bytes toward the DTE: a Buffer, or a string of latin1 characters (one per byte). Most
 * of what the module sends is text (echo, results, URCs), and a transport that writes
 * text (a socket, a pty) takes the string without a Buffer made for it.
 */
export type WireData = Buffer | string;
export type Sink = (data: WireData) => void;

/** The bytes of wire data (a string is latin1: one byte per character). */
export const wireBytes = (data: WireData): Buffer => (typeof data === 'string' ? Buffer.from(data, 'latin1') : data);

/** Pieces of wire data as one: a string when every piece is one, else a Buffer. */
export function joinWire(parts: readonly WireData[]): WireData {
  if (parts.length === 1) return parts[0];
  let text = '';
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (typeof p !== 'string') return Buffer.concat(parts.map(wireBytes));
    text += p;
  }
  return text;
}

/**
 * Everything in `parts` as one piece (joinWire), leaving the array empty. Emptied with pop(),
 * not `length = 0`, which makes V8 drop the array's storage and allocate it again at the
 * next push (152 bytes a time, on a path taken once per command line).
 */
export function takeWire(parts: WireData[]): WireData {
  const out = joinWire(parts);
  while (parts.length > 0) parts.pop();
  return out;
}

interface Chunk {
  data: Buffer;
  /** Milliseconds per byte, fixed when the chunk was written (a rate change applies to later bytes). */
  byteMs: number;
}

export class Pacer {
  private readonly queue: Chunk[] = [];
  /** Bytes of queue[0] already delivered. */
  private sent = 0;
  /** Ideal end time of the last byte delivered, on the clock's time line. */
  private wireFreeAt = -Infinity;
  private timer: TimerHandle | null = null;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  /** Bytes written and not yet delivered. */
  private queuedBytes = 0;

  constructor(
    private readonly sink: Sink,
    private readonly clock: Clock,
    private readonly byteMs: () => number,
    /** What may wait for the wire: beyond it bytes are dropped, as a UART's transmit buffer overruns. */
    private readonly bound?: OutputBound,
  ) {}

  /** Bytes waiting for the wire. */
  get queued(): number {
    return this.queuedBytes;
  }

  write(wire: WireData): void {
    if (this.closed || wire.length === 0) return;
    const bytes = wireBytes(wire);
    const data = this.bound ? this.bound.fit(this.queuedBytes, bytes) : bytes;
    if (!data) return;
    this.queuedBytes += data.length;
    // An idle wire starts sending now; a busy one queues behind what is on it.
    if (this.queue.length === 0) this.wireFreeAt = Math.max(this.wireFreeAt, this.clock.now());
    this.queue.push({ data, byteMs: this.byteMs() });
    if (this.timer === null) this.pump();
  }

  /** True while bytes wait for the wire. */
  get busy(): boolean {
    return this.queue.length > 0;
  }

  /** Resolves once every byte written so far has left. */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The wire is cut: bytes not yet sent are lost. */
  close(): void {
    this.closed = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.settleIdle();
  }

  private pump(): void {
    this.timer = null;
    const now = this.clock.now();
    const out: Buffer[] = [];
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const left = head.data.length - this.sent;
      // The tiny epsilon keeps float rounding from holding back a byte that is due now.
      const due = Math.min(left, Math.floor((now - this.wireFreeAt) / head.byteMs + 1e-9));
      if (due <= 0) break;
      out.push(head.data.subarray(this.sent, this.sent + due));
      this.queuedBytes -= due;
      this.wireFreeAt += due * head.byteMs;
      if (due < left) {
        this.sent += due;
        break;
      }
      this.queue.shift();
      this.sent = 0;
    }
    if (out.length > 0) this.sink(out.length === 1 ? out[0] : Buffer.concat(out));
    if (this.closed) return;
    if (this.queue.length > 0) {
      const nextDue = this.wireFreeAt + this.queue[0].byteMs;
      this.timer = this.clock.setTimeout(() => this.pump(), Math.max(0, nextDue - now));
    } else {
      this.bound?.drained();
      this.settleIdle();
    }
  }

  private settleIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
