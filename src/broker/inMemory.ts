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

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.send(chunk, cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.send(chunks.length === 1 ? chunks[0].chunk : Buffer.concat(chunks.map((c) => c.chunk)), cb);
  }

  private send(bytes: Buffer, cb: (err?: Error | null) => void): void {
    process.nextTick(() => {
      if (this.route) this.route.data(bytes);
      else this.peer?.fromPeer(bytes);
      cb();
    });
  }

  override _final(cb: (err?: Error | null) => void): void {
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
