/**
 * The MQTT link's fault proxy. Every connection the module's MQTT session makes passes
 * through a loopback proxy in front of the real broker, so the faults of the network
 * path act on real sockets without touching the broker or mqtt.js:
 * - broker down: a new connection is refused (ECONNREFUSED: SMCONN → 161) and live ones
 *   are cut (the session sees its link go: `+SMSTATE: 0`; the broker sends the will);
 * - broker refusing: the proxy answers CONNECT with a refusing CONNACK (SMCONN → 767);
 * - broker slow: packets wait `ms` on the modem's clock, in order (acks past TIMEOUT
 *   give status 1);
 * - packet loss: whole MQTT packets vanish, seeded.
 *
 * The upstream socket is opened in dial(), before the session connects to the proxy, so
 * a DNS failure or a refused port surfaces with its own error code (160, 161) as it
 * would without the proxy. A TLS link is passed as raw bytes: delays and cuts apply,
 * packet loss and refusals need plain MQTT to see packets (a TLS CONNECT is refused by
 * closing the connection instead).
 *
 * The proxy is in the byte path only while it has something to do. A plain connection
 * (not the session's TLS) takes no proxy socket at all: dial() hands the session a stream
 * whose two directions pass the proxy's channels, and a channel hands each chunk straight
 * on, only counting its packets, while no fault acts on its direction, nothing waits in it
 * and nobody listens to the `packet` tap; otherwise it splits packets and loses or delays
 * them as above. To the embedded broker (in this process) the stream is an in-memory pipe
 * (broker/inMemory.ts) to the broker's own end; to another broker it wraps the socket
 * dial() opened. The session's TLS connections to another broker still pass the loopback
 * proxy, as raw bytes.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../clock';
import { localBroker, duplexPair, routePipe, type LocalConnector, type PipeOutlet } from '../broker/inMemory';
import type { DialedLink, HttpLinkFaults, LinkDialer } from '../modem/modem';
import type { Address } from '../address';
import type { Random } from '../random';
import { connack, describePacket, PacketCounter, PacketSplitter, type PacketInfo } from './mqttPackets';

/** `up`: module → broker; `down`: broker → module. */
export type Direction = 'up' | 'down' | 'both';
type Way = 'up' | 'down';

export interface LinkState {
  broker: null | 'down' | { refuse: number };
  delay: { ms: number; direction: Direction } | null;
  loss: { rate: number; direction: Direction } | null;
}

export interface LinkPacket {
  dir: Way;
  info: PacketInfo;
  dropped: boolean;
}

export interface LinkCounters {
  connections: number;
  refused: number;
  up: number;
  down: number;
  dropped: number;
  delayed: number;
}

const applies = (d: Direction, way: Way) => d === 'both' || d === way;

function errno(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** Where a channel hands bytes on: a socket, a stream, or an in-memory pipe's outlet. */
interface Outlet extends PipeOutlet {
  cork?(): void;
  uncork?(): void;
}

/** One direction of a proxied connection: lose, delay, then write in order. */
class Channel {
  private splitter: PacketSplitter | null = null;
  /** Counts the packets that pass straight on, and knows where the one under way ends. */
  private readonly counter = new PacketCounter();
  /**
   * Packets waiting for their time, in arrival order. One timer for the head only: timers
   * of different lengths due at the same moment may fire in any order, packets may not.
   */
  private readonly queue: { at: number; bytes: Buffer; info: PacketInfo | null }[] = [];
  private timer: TimerHandle | null = null;
  /** Called once the last delayed packet went out. */
  private onIdle: (() => void) | null = null;

  constructor(
    private readonly link: FaultLink,
    private readonly way: Way,
    private readonly to: Outlet,
  ) {}

  /** Plain MQTT: split into packets; anything else (TLS) passes as chunks. */
  framing(mqtt: boolean): void {
    this.splitter = mqtt ? new PacketSplitter() : null;
  }

  get busy(): boolean {
    return this.queue.length > 0;
  }

  /**
   * Bytes may go straight on: no fault acts on this direction, nothing waits, no packet is
   * half split, and nobody taps the packets.
   */
  private get straight(): boolean {
    const { state } = this.link;
    if (this.queue.length > 0 || this.splitter?.pending) return false;
    if (state.loss && applies(state.loss.direction, this.way)) return false;
    if (state.delay && state.delay.ms > 0 && applies(state.delay.direction, this.way)) return false;
    return this.link.listenerCount('packet') === 0;
  }

  feed(chunk: Buffer): void {
    if (this.straight) {
      if (this.splitter) this.link.counters[this.way] += this.counter.count(chunk);
      else this.link.counters[this.way]++;
      if (!this.to.destroyed) this.to.write(chunk);
      return;
    }
    if (!this.splitter) return this.pass(chunk, null);
    // A packet begun while bytes went straight on ends the same way; splitting starts at the next.
    let from = 0;
    if (!this.counter.atBoundary) {
      from = this.counter.finish(chunk);
      if (this.counter.atBoundary) this.link.counters[this.way]++;
      if (!this.to.destroyed) this.to.write(chunk.subarray(0, from));
      if (from >= chunk.length) return;
    }
    // The packets of one chunk that pass at once go out in one write, not one each.
    this.to.cork?.();
    try {
      for (const p of this.splitter.push(from > 0 ? chunk.subarray(from) : chunk)) this.pass(p, describePacket(p));
    } finally {
      this.to.uncork?.();
    }
  }

  private pass(bytes: Buffer, info: PacketInfo | null): void {
    const { state, counters } = this.link;
    counters[this.way]++;
    if (info && state.loss && applies(state.loss.direction, this.way) && this.link.random.chance(state.loss.rate)) {
      counters.dropped++;
      this.link.emit('packet', { dir: this.way, info, dropped: true });
      return;
    }
    const delay = state.delay && applies(state.delay.direction, this.way) ? state.delay.ms : 0;
    // Nothing overtakes a packet still waiting, even when the delay shrinks or ends.
    if (delay <= 0 && !this.busy) return this.deliver(bytes, info);
    counters.delayed++;
    const last = this.queue.length ? this.queue[this.queue.length - 1].at : 0;
    this.queue.push({ at: Math.max(this.link.clock.now() + delay, last), bytes, info });
    this.arm();
  }

  private deliver(bytes: Buffer, info: PacketInfo | null): void {
    if (this.to.destroyed) return; // that end is gone: the packet goes nowhere, and is not reported as passed
    if (info) this.link.emit('packet', { dir: this.way, info, dropped: false });
    this.to.write(bytes);
  }

  private arm(): void {
    if (this.timer || !this.queue.length) return;
    this.timer = this.link.clock.setTimeout(() => this.release(), Math.max(0, this.queue[0].at - this.link.clock.now()));
  }

  private release(): void {
    this.timer = null;
    const now = this.link.clock.now();
    while (this.queue.length && this.queue[0].at <= now) {
      const p = this.queue.shift()!;
      this.deliver(p.bytes, p.info);
    }
    if (this.busy) this.arm();
    else this.onIdle?.();
  }

  /** Ends the far side after what is still waiting (a normal close). */
  endAfterQueue(): void {
    if (!this.busy) this.to.end();
    else this.onIdle = () => this.to.end();
  }

  drop(): void {
    if (this.timer) this.link.clock.clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }
}

/**
 * The session's end of a plain connection to another broker: the socket dial() opened,
 * with the proxy's channels on both directions and no proxy socket between. Writes go
 * through synchronously (the far side is the kernel, not code in this process).
 */
class LinkedSocket extends Duplex {
  /** Where the session's writes go: the up channel (through the framing check). */
  up: { data(bytes: Buffer): void; end(): void } | null = null;

  constructor(readonly socket: net.Socket) {
    super({ allowHalfOpen: false });
  }

  override _read(): void {
    // The socket's data is pushed by the down channel.
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.up!.data(chunk);
    this.afterWrite(cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    this.socket.cork();
    for (const c of chunks) this.up!.data(c.chunk);
    this.socket.uncork();
    this.afterWrite(cb);
  }

  /** The socket's own backpressure holds the writer back. */
  private afterWrite(cb: (err?: Error | null) => void): void {
    if (this.socket.writableNeedDrain) this.socket.once('drain', () => cb());
    else cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.up!.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}

/** The two channels of one in-memory connection. */
class ChannelPair {
  up: Channel | null = null;
  down: Channel | null = null;
  /** The first chunk (CONNECT or a TLS hello) has set both channels' framing. */
  private known = false;

  route(way: Way, bytes: Buffer): void {
    if (!this.known) {
      this.known = true;
      const plain = bytes[0] === 0x10; // CONNECT first: plain MQTT; TLS starts with 0x16 (high nibble 1 as well)
      this.up!.framing(plain);
      this.down!.framing(plain);
    }
    this[way]!.feed(bytes);
  }
}

/** One direction's writes into its channel (a class: an object per direction, no closures). */
class ChannelRoute {
  constructor(
    private readonly pair: ChannelPair,
    private readonly way: Way,
  ) {}

  data(bytes: Buffer): void {
    this.pair.route(this.way, bytes);
  }

  end(): void {
    this.pair[this.way]!.endAfterQueue();
  }
}

interface Waiting {
  upstream: Duplex | null;
  refuse?: number;
}

export class FaultLink extends EventEmitter<{ packet: [LinkPacket] }> implements LinkDialer {
  state: LinkState = { broker: null, delay: null, loss: null };
  /** The HTTP faults (httpDown, httpSlow), read by the HTTP family at each request. */
  readonly http: HttpLinkFaults = { down: false, delayMs: 0 };
  readonly counters: LinkCounters = { connections: 0, refused: 0, up: 0, down: 0, dropped: 0, delayed: 0 };
  private listening: Promise<Address> | null = null;
  private server: net.Server | null = null;
  private waiting: Waiting[] = [];
  private readonly cuts = new Set<() => void>();
  /** Connections the proxy accepted (made on the first: most modems never take one). */
  private accepted: Set<Duplex> | null = null;

  constructor(
    readonly clock: Clock,
    readonly random: Random,
    private readonly log: Logger,
  ) {
    super();
  }

  /** Connections through the proxy right now. */
  get open(): number {
    return this.cuts.size;
  }

  async dial(to: Address, timeoutMs = 60_000, opts: { tls?: boolean } = {}): Promise<DialedLink> {
    if (this.state.broker === 'down') {
      this.counters.refused++;
      throw errno('ECONNREFUSED', `connect ECONNREFUSED ${to.host}:${to.port} (fault: brokerDown)`);
    }
    const local = localBroker(to);
    if (local) {
      const broker = this.state.broker;
      const refuse = broker ? broker.refuse : undefined;
      return { ...to, inProcess: true, stream: () => this.connectLocal(local, refuse) };
    }
    if (!opts.tls) return this.dialDirect(to, timeoutMs);
    const proxy = await this.listen();
    // A dial whose client never came (mqtt.js refused its options) leaves nothing behind.
    for (const w of this.waiting.splice(0)) w.upstream?.destroy();
    const broker = this.state.broker as LinkState['broker']; // may have changed while listening
    if (broker && broker !== 'down') {
      this.waiting.push({ upstream: null, refuse: broker.refuse });
      return proxy;
    }
    const upstream = await this.connectUpstream(to, timeoutMs);
    const w: Waiting = { upstream };
    upstream.once('close', () => {
      const i = this.waiting.indexOf(w);
      if (i >= 0) this.waiting.splice(i, 1);
    });
    this.waiting.push(w);
    return proxy;
  }

  /** Cuts every live connection at once (no DISCONNECT either way). */
  cutAll(): void {
    for (const cut of [...this.cuts]) cut();
    for (const w of this.waiting.splice(0)) w.upstream?.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    for (const s of this.accepted ?? []) s.destroy();
    const server = this.server;
    this.server = null;
    this.listening = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private listen(): Promise<Address> {
    if (!this.listening) {
      this.listening = new Promise((resolve, reject) => {
        const server = net.createServer((s) => this.onConnection(s));
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          server.off('error', reject);
          server.on('error', (err) => this.log.error({ err: err.message }, 'fault link listener error'));
          this.server = server;
          resolve({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
        });
      });
    }
    return this.listening;
  }

  private connectUpstream(to: Address, timeoutMs: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: to.host, port: to.port });
      const timer = this.clock.setTimeout(() => {
        s.destroy();
        reject(errno('ETIMEDOUT', `connect ETIMEDOUT ${to.host}:${to.port}`));
      }, timeoutMs);
      s.once('connect', () => {
        this.clock.clearTimeout(timer);
        s.off('error', reject);
        s.on('error', () => undefined); // handled by the pair's close
        s.setNoDelay(true);
        resolve(s);
      });
      s.once('error', (err) => {
        this.clock.clearTimeout(timer);
        reject(err);
      });
    });
  }

  /**
   * The session's end of an in-memory connection to the embedded broker: the broker's pipe
   * with the channels on both of its directions. A refusal is answered by a pipe of the
   * link's own.
   */
  private connectLocal(local: LocalConnector, refuse: number | undefined): Duplex {
    if (refuse !== undefined || this.state.broker === 'down') {
      const [session, device] = duplexPair();
      this.accept(device, { upstream: null, refuse });
      return session;
    }
    const session = local();
    session.on('error', () => undefined); // the session's client listens too
    this.counters.connections++;
    const conn = new ChannelPair();
    const outlets = routePipe(session, new ChannelRoute(conn, 'up'), new ChannelRoute(conn, 'down'));
    const up = (conn.up = new Channel(this, 'up', outlets.far));
    const down = (conn.down = new Channel(this, 'down', outlets.near));
    this.track(session, up, down, () => session.destroy());
    return session;
  }

  /** Cuts and closes of a connection whose channels sit on a stream of the session's. */
  private track(session: Duplex, up: Channel, down: Channel, destroy: () => void): void {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      up.drop();
      down.drop();
      this.cuts.delete(cut);
    };
    const cut = () => {
      finish();
      destroy();
    };
    this.cuts.add(cut);
    session.once('close', finish);
  }

  /**
   * A plain connection to another broker: the socket is opened now (a refused port or an
   * unknown host fails here with its own code), and the session's stream wraps it.
   */
  private async dialDirect(to: Address, timeoutMs: number): Promise<DialedLink> {
    const broker = this.state.broker as LinkState['broker'];
    if (broker && broker !== 'down') {
      const refuse = broker.refuse;
      return {
        ...to,
        stream: () => {
          const [session, device] = duplexPair();
          this.accept(device, { upstream: null, refuse });
          return session;
        },
      };
    }
    const socket = await this.connectUpstream(to, timeoutMs);
    let used = false;
    return {
      ...to,
      stream: () => {
        if (used) throw new Error('a dialed link makes one connection');
        used = true;
        return this.linkSocket(socket);
      },
    };
  }

  private linkSocket(socket: net.Socket): Duplex {
    const session = new LinkedSocket(socket);
    session.on('error', () => undefined);
    if (this.state.broker === 'down' || socket.destroyed) {
      session.destroy();
      return session;
    }
    this.counters.connections++;
    const channels = new ChannelPair();
    channels.up = new Channel(this, 'up', socket);
    channels.down = new Channel(this, 'down', {
      write: (b) => session.push(b),
      end: () => session.push(null),
      get destroyed() {
        return session.destroyed;
      },
    });
    session.up = new ChannelRoute(channels, 'up');
    socket.on('data', (b: Buffer) => channels.route('down', b));
    socket.once('end', () => channels.down!.endAfterQueue());
    socket.once('close', () => session.destroy());
    this.track(session, channels.up, channels.down, () => session.destroy());
    return session;
  }

  private onConnection(device: net.Socket): void {
    device.setNoDelay(true);
    this.accept(device, this.waiting.shift());
  }

  private accept(device: Duplex, w: Waiting | undefined): void {
    device.on('error', () => undefined);
    // Every accepted socket is known, so close() never waits on one.
    const accepted = (this.accepted ??= new Set());
    accepted.add(device);
    device.once('close', () => accepted.delete(device));
    if (!w || this.state.broker === 'down') {
      w?.upstream?.destroy();
      device.destroy();
      return;
    }
    this.counters.connections++;
    if (!w.upstream) return this.refuse(device, w.refuse ?? 5);
    this.pair(device, w.upstream);
  }

  /** Answers the first bytes (CONNECT) with a refusing CONNACK; a TLS hello is just closed. */
  private refuse(device: Duplex, code: number): void {
    this.counters.refused++;
    device.once('data', (chunk: Buffer) => {
      if (chunk[0] === 0x10) device.end(connack(code)); // CONNECT; a TLS record starts 0x16, whose high nibble is 1 too
      else device.destroy();
    });
  }

  private pair(device: Duplex, broker: Duplex): void {
    const up = new Channel(this, 'up', broker);
    const down = new Channel(this, 'down', device);
    let framed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      up.drop();
      down.drop();
      this.cuts.delete(cut);
    };
    const cut = () => {
      finish();
      device.destroy();
      broker.destroy();
    };
    this.cuts.add(cut);
    device.on('data', (chunk: Buffer) => {
      if (!framed) {
        framed = true;
        const mqtt = chunk[0] === 0x10; // CONNECT first: plain MQTT; TLS starts with 0x16 (high nibble 1 as well)
        up.framing(mqtt);
        down.framing(mqtt);
      }
      up.feed(chunk);
    });
    broker.on('data', (chunk: Buffer) => down.feed(chunk));
    // A normal close travels on after the packets still waiting; the pair is done when
    // both sockets are closed.
    const closed = () => {
      if (device.destroyed && broker.destroyed) finish();
    };
    for (const [from, channel] of [[device, up], [broker, down]] as const) {
      let ended = false;
      const end = () => {
        if (!ended) channel.endAfterQueue();
        ended = true;
      };
      from.once('end', end);
      from.once('close', () => {
        end();
        closed();
      });
    }
  }
}
