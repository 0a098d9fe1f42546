/**
 * In-memory connections to the embedded broker's plain listener. The broker runs in the
 * emulator's own process, so a session routed to it need not cross loopback TCP: the
 * fault link (faults/link.ts), the modem's dialer, asks here whether an address is an
 * embedded broker's plain listener and, if so, joins mqtt.js and aedes with in-memory
 * stream pairs instead of sockets (one event-loop turn per crossing instead of a system
 * call each way). TLS listeners and other brokers are never registered: they stay on
 * real sockets. The broker sees such a connection as a plain, unencrypted one.
 */
import { Duplex } from 'node:stream';
import type { Address } from '../address';

/**
 * Where an end's writes go instead of straight to its peer: the fault link's channel for
 * that direction, which hands them on (or loses or delays them) through routePipe()'s
 * outlets.
 */
export interface PipeRoute {
  data(bytes: Buffer): void;
  /** The writer ended its side. */
  end(): void;
}

/** One way into an end's reader: what a route hands bytes on to. */
export interface PipeOutlet {
  write(bytes: Buffer): void;
  end(): void;
  readonly destroyed: boolean;
}

/**
 * One end of an in-memory pipe: what is written comes out of the peer, one turn later
 * (never synchronously: mqtt.js and aedes are not re-entrant), in order, writes gathered
 * while corked delivered as one chunk. Like a TCP socket without half-open: an end that
 * reads EOF ends its own side too; destroying one end closes the other (a reset).
 */
class PipeEnd extends Duplex {
  peer: PipeEnd | null = null;
  route: PipeRoute | null = null;

  constructor() {
    super({ allowHalfOpen: false });
  }

  override _read(): void {
    // Data is pushed by the peer's writes.
  }

  /** Writes taken this turn by write()'s own path, handed on together in the next tick. */
  private readonly gathered: (Buffer | string | undefined)[] = [];
  private gatheredCount = 0;
  private gatheredBytes = 0;
  private mustDrain = false;

  /**
   * The writers here (mqtt-packet, for mqtt.js and aedes) write a packet as five or six
   * chunks under cork(). Node's Writable keeps a record and a callback for each and
   * joins them on uncork(); this end takes them straight into a list instead, joined
   * in the next tick: the same bytes, in the same order, one chunk a turn for the peer,
   * as before, without a Writable record per chunk. A write with a callback or an
   * encoding, after end() or destroy(), or while Writable holds some, takes Writable's
   * own path (its errors, its callback), behind what was gathered.
   */
  override write(chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (encoding !== undefined || cb !== undefined || this.writableEnded || this.destroyed || this.writableLength > 0 || !(typeof chunk === 'string' || Buffer.isBuffer(chunk))) {
      if (this.gatheredCount > 0 && !this.writableEnded && !this.destroyed) super.write(this.takeGathered());
      return super.write(chunk, encoding as BufferEncoding, cb as (err?: Error | null) => void);
    }
    if (this.gatheredCount === 0) process.nextTick(flushGathered, this);
    this.gathered[this.gatheredCount++] = chunk;
    this.gatheredBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (this.gatheredBytes < this.writableHighWaterMark) return true;
    this.mustDrain = true;
    return false;
  }

  /** What write() gathered, as one buffer; the list (kept for the next turn's) is emptied. */
  private takeGathered(): Buffer {
    const list = this.gathered;
    const n = this.gatheredCount;
    const first = list[0]!;
    let bytes: Buffer;
    if (n === 1 && typeof first !== 'string') bytes = first;
    else {
      bytes = Buffer.allocUnsafe(this.gatheredBytes);
      let at = 0;
      // Strings as UTF-8, as Writable would have taken them.
      for (let i = 0; i < n; i++) {
        const c = list[i]!;
        at += typeof c === 'string' ? bytes.write(c, at) : c.copy(bytes, at);
      }
    }
    list.fill(undefined, 0, n);
    this.gatheredCount = 0;
    this.gatheredBytes = 0;
    return bytes;
  }

  /**
   * Hands on what write() gathered this turn, as _write() does: through the route even if
   * this end was destroyed since (the route's outlet looks at its own end), to the peer
   * while there is one (destroy() parts them).
   */
  flush(): void {
    if (this.gatheredCount > 0) this.handOn(this.takeGathered());
    if (this.mustDrain) {
      this.mustDrain = false;
      if (!this.destroyed) this.emit('drain');
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.send(chunk, cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.send(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb);
  }

  private send(bytes: Buffer, cb: (err?: Error | null) => void): void {
    process.nextTick(() => {
      this.handOn(bytes);
      cb();
    });
  }

  /** Bytes written at this end, to the route when one is set, else to the peer while there is one. */
  private handOn(bytes: Buffer): void {
    if (this.route) this.route.data(bytes);
    else this.peer?.fromPeer(bytes);
  }

  override _final(cb: (err?: Error | null) => void): void {
    // What write() gathered goes first: its tick was queued before this one.
    process.nextTick(() => {
      if (this.route) this.route.end();
      else this.peer?.fromPeer(null);
      cb();
    });
  }

  /** Bytes (or the end, null) for this end's reader. */
  fromPeer(bytes: Buffer | null): void {
    if (!this.destroyed) this.push(bytes);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = null;
    if (peer) {
      peer.peer = null;
      process.nextTick(() => peer.destroy());
    }
    cb(err);
  }
}

const flushGathered = (end: PipeEnd) => end.flush();

/** Hands bytes to an end's reader; a class, so a connection's two cost one small object each. */
class EndOutlet implements PipeOutlet {
  constructor(private readonly end_: PipeEnd) {}

  write(bytes: Buffer): void {
    this.end_.fromPeer(bytes);
  }

  end(): void {
    this.end_.fromPeer(null);
  }

  get destroyed(): boolean {
    return this.end_.destroyed;
  }
}

/** Two connected duplex streams, like the two ends of a socket. */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PipeEnd();
  const b = new PipeEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/**
 * Sends what `near` writes through `up` and what its peer writes through `down`, instead of
 * straight across; the outlets are where the routes hand bytes on: `far` to the peer's
 * reader, `near` to this end's. `near` must be an end duplexPair() made.
 */
export function routePipe(near: Duplex, up: PipeRoute, down: PipeRoute): { far: PipeOutlet; near: PipeOutlet } {
  const a = near as PipeEnd;
  const b = a.peer;
  if (!(a instanceof PipeEnd) || !b) throw new Error('routePipe: not a connected in-memory pipe end');
  a.route = up;
  b.route = down;
  return { far: new EndOutlet(b), near: new EndOutlet(a) };
}

/** Opens an in-memory connection to a broker: the returned end is the client's. */
export type LocalConnector = () => Duplex;

const connectors = new Map<string, LocalConnector>();
const key = (a: Address) => `${a.host.toLowerCase()}:${a.port}`;

/** An embedded broker's plain listener takes in-memory connections at its address. */
export function registerLocalBroker(address: Address, connect: LocalConnector): () => void {
  const k = key(address);
  connectors.set(k, connect);
  return () => {
    if (connectors.get(k) === connect) connectors.delete(k);
  };
}

/** The in-memory connector for an address, when an embedded broker's plain listener is there. */
export function localBroker(address: Address): LocalConnector | undefined {
  return connectors.get(key(address));
}
