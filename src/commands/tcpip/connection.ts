/**
 * One connection of the TCP/IP stack (a CIPSTART slot, or a client the module's server
 * accepted): a real TCP socket (TLS over it with CIPSSL), a UDP socket, or an in-memory
 * stream to the embedded broker, behind the module's own behaviour:
 *
 * - where it goes: the router's socket rule, then the fault proxy (docs/tcpip.md §5);
 * - the GPRS rate cap each way, on the modem's clock (the profile's gprsUpBps/gprsDownBps);
 * - what the stack sees: `onData` for every chunk from the network (in order, after the
 *   rate cap), `onClosed` once when the peer or the network ends it.
 *
 * The stack decides what the DTE sees; nothing here prints.
 */
import type * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { TimerHandle } from '../../clock';
import type { DialedLink, Modem } from '../../modem/modem';
import type { Address } from '../../address';
import { nodeDgram, nodeTls } from '../../builtins';

export type ClientState = 'INITIAL' | 'CONNECTING' | 'CONNECTED' | 'REMOTE CLOSING' | 'CLOSING' | 'CLOSED';
export type Protocol = 'TCP' | 'UDP';

/** How a connection ended: the DTE closed it, the peer did, it never came up, or the context went. */
export type EndReason = 'local' | 'remote' | 'failed' | 'pdp';

export interface ConnectionHooks {
  onData(conn: Connection, bytes: Buffer): void;
  onClosed(conn: Connection): void;
}

/**
 * Bytes that leave (or arrive) no faster than `bps`: each chunk is due when the link has
 * carried the ones before it. Exact fractions are kept, so chunk sizes do not round up.
 */
class RateQueue {
  private freeAt = 0;
  private readonly queue: { bytes: Buffer | null; due: number; run: (b: Buffer | null) => void }[] = [];
  private timer: TimerHandle | null = null;

  constructor(
    private readonly modem: Modem,
    private readonly bps: number,
  ) {}

  /** Runs `run` with the bytes when they are through; null (an end marker) keeps its place. */
  push(bytes: Buffer | null, run: (b: Buffer | null) => void): void {
    const now = this.modem.clock.now();
    if (this.bps <= 0 && this.queue.length === 0) return run(bytes);
    const start = Math.max(now, this.freeAt);
    this.freeAt = start + (bytes && this.bps > 0 ? (bytes.length * 8000) / this.bps : 0);
    this.queue.push({ bytes, due: Math.ceil(this.freeAt - 1e-9), run });
    this.arm();
  }

  private arm(): void {
    if (this.timer || !this.queue.length) return;
    const wait = Math.max(0, this.queue[0].due - this.modem.clock.now());
    if (wait === 0) return void queueMicrotask(() => this.release());
    this.timer = this.modem.clock.setTimeout(() => {
      this.timer = null;
      this.release();
    }, wait);
  }

  private release(): void {
    const now = this.modem.clock.now();
    while (this.queue.length && this.queue[0].due <= now) {
      const q = this.queue.shift()!;
      q.run(q.bytes);
    }
    this.arm();
  }

  clear(): void {
    if (this.timer) this.modem.clock.clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
  }
}

export class Connection {
  state: ClientState = 'CONNECTING';
  ended: EndReason | null = null;
  /** The address shown by AT+CIPSTATUS: the literal given, or what the name resolved to. */
  shownIp = '';
  /** Where the socket really went (after routing), for the control API. */
  dialled = '';
  bytesUp = 0;
  bytesDown = 0;
  /** Bytes the host socket has taken (AT+CIPACK's acknowledged count). */
  bytesAcked = 0;
  /** Received and not yet read by AT+CIPRXGET. */
  private rx: Buffer[] = [];
  rxSize = 0;
  /** TCP bytes read from the socket that did not fit the buffer yet. */
  private overflow: Buffer[] = [];
  /** The DTE read the buffer away (AT+CIPCLOSE, AT+CIPSHUT): reads answer ERROR. */
  rxDiscarded = false;
  /** `CONNECT OK` was printed: until then the module shows CONNECTING and holds what arrives. */
  announced = false;
  readonly early: Buffer[] = [];
  closedEarly = false;
  private stream: Duplex | null = null;
  private udp: dgram.Socket | null = null;
  private up: RateQueue;
  private down: RateQueue;
  private paused = false;
  private closeReported = false;

  constructor(
    readonly id: number,
    readonly protocol: Protocol,
    readonly remote: Address,
    readonly tls: boolean,
    modem: Modem,
    private readonly hooks: ConnectionHooks,
    /** Accepted by the module's server (AT+CIPSERVER) rather than started. */
    readonly accepted = false,
  ) {
    this.up = new RateQueue(modem, modem.profile.gprsUpBps);
    this.down = new RateQueue(modem, modem.profile.gprsDownBps);
  }

  get live(): boolean {
    return this.state === 'CONNECTING' || this.state === 'CONNECTED' || this.state === 'CLOSING';
  }

  /** TCP over a dialled link (a proxy address or an in-memory stream); resolves when up. */
  async openTcp(target: DialedLink, servername: string | undefined, keepAlive: number | null): Promise<void> {
    let stream: Duplex;
    if (target.stream) stream = target.stream();
    else {
      const socket = net.connect({ host: target.host, port: target.port });
      socket.setNoDelay(true);
      if (keepAlive !== null) socket.setKeepAlive(true, keepAlive);
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve();
        });
        socket.once('error', reject);
        this.stream = socket; // so that destroy() during the connect ends it
      });
      stream = socket;
    }
    if (this.tls) {
      // The module checks no certificate (docs/decisions.md D23) and speaks TLS 1.0; more is offered.
      const secure = nodeTls().connect({ socket: stream as net.Socket, servername, rejectUnauthorized: false, minVersion: 'TLSv1' });
      this.stream = secure;
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', () => {
          secure.off('error', reject);
          secure.off('close', closed);
          resolve();
        });
        const closed = () => reject(new Error('TLS handshake ended by the peer'));
        secure.once('error', reject);
        secure.once('close', closed);
      });
      stream = secure;
    }
    this.adopt(stream);
  }

  /** A connection the module's server accepted: up at once. */
  adoptAccepted(socket: net.Socket): void {
    socket.setNoDelay(true);
    this.adopt(socket);
  }

  private adopt(stream: Duplex): void {
    if (this.state !== 'CONNECTING') {
      stream.destroy(); // CIPSHUT or the network took it while it was being made
      return;
    }
    this.stream = stream;
    this.state = 'CONNECTED';
    stream.on('data', (chunk: Buffer) => this.fromNetwork(chunk));
    stream.on('error', () => undefined); // the close that follows reports it
    stream.once('end', () => this.down.push(null, () => this.peerGone()));
    stream.once('close', () => this.down.push(null, () => this.peerGone()));
  }

  /** UDP: bound and connected to the routed address (no handshake). */
  async openUdp(to: Address): Promise<void> {
    const socket = nodeDgram().createSocket('udp4');
    this.udp = socket;
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(to.port, to.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (this.state !== 'CONNECTING') {
      socket.close();
      return;
    }
    this.state = 'CONNECTED';
    socket.on('message', (msg) => this.fromNetwork(msg));
  }

  private fromNetwork(chunk: Buffer): void {
    this.down.push(chunk, (b) => {
      if (!b || this.ended === 'local' || this.ended === 'pdp') return;
      this.bytesDown += b.length;
      this.hooks.onData(this, b);
    });
  }

  private peerGone(): void {
    if (this.closeReported || this.ended === 'local' || this.ended === 'pdp') return;
    this.closeReported = true;
    this.state = 'CLOSED';
    this.ended = 'remote';
    this.stream?.destroy();
    this.hooks.onClosed(this);
  }

  /** Sends; resolves true once the bytes left (after the uplink cap), false if they could not. */
  send(data: Buffer): Promise<boolean> {
    return new Promise((resolve) => {
      this.up.push(data, (b) => {
        if (!b || this.state !== 'CONNECTED') return resolve(false);
        this.bytesUp += b.length;
        const done = (err?: Error | null) => {
          if (!err) this.bytesAcked += b.length;
          resolve(!err);
        };
        if (this.udp) this.udp.send(b, (err) => done(err));
        else if (this.stream) this.stream.write(b, (err) => done(err));
        else resolve(false);
      });
    });
  }

  // ---- the receive buffer (AT+CIPRXGET=1) ---------------------------------------------

  /**
   * Keeps bytes for AT+CIPRXGET, never more than `limit`: TCP beyond it waits outside the
   * module's buffer with the socket paused (the window closes, the sender waits, nothing is
   * lost); a UDP datagram that does not fit is dropped whole.
   */
  keep(bytes: Buffer, limit: number): void {
    if (this.udp) {
      if (this.rxSize + bytes.length > limit) return;
      this.rx.push(bytes);
      this.rxSize += bytes.length;
      return;
    }
    this.overflow.push(bytes);
    this.refill(limit);
  }

  /** Moves what waits outside the buffer in, as far as it fits; pauses or resumes the socket. */
  private refill(limit: number): void {
    while (this.overflow.length && this.rxSize < limit) {
      const head = this.overflow[0];
      const k = Math.min(limit - this.rxSize, head.length);
      this.rx.push(head.subarray(0, k));
      this.rxSize += k;
      if (k === head.length) this.overflow.shift();
      else this.overflow[0] = head.subarray(k);
    }
    const full = this.overflow.length > 0 || this.rxSize >= limit;
    if (full && !this.paused && this.stream) {
      this.paused = true;
      this.stream.pause();
    } else if (!full && this.paused) {
      this.paused = false;
      this.stream?.resume();
    }
  }

  take(n: number, limit: number): Buffer {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n && this.rx.length) {
      const head = this.rx[0];
      const k = Math.min(n - got, head.length);
      parts.push(head.subarray(0, k));
      got += k;
      if (k === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(k);
    }
    this.rxSize -= got;
    this.refill(limit);
    return Buffer.concat(parts);
  }

  /** Everything buffered, at once (the mode went back to pushing). */
  takeAll(): Buffer {
    const all = Buffer.concat([...this.rx, ...this.overflow]);
    this.rx = [];
    this.overflow = [];
    this.rxSize = 0;
    if (this.paused) {
      this.paused = false;
      this.stream?.resume();
    }
    return all;
  }

  discard(): void {
    this.rx = [];
    this.overflow = [];
    this.rxSize = 0;
    this.rxDiscarded = true;
  }

  // ---- ending ---------------------------------------------------------------------------

  /** AT+CIPCLOSE: slow sends FIN after what is queued, quick resets. */
  close(quick: boolean): void {
    this.ended = 'local';
    this.state = 'CLOSED';
    this.discard();
    this.up.clear();
    this.down.clear();
    if (this.udp) {
      this.udp.close();
      this.udp = null;
      return;
    }
    const s = this.stream;
    if (!s) return;
    if (quick) {
      if (s instanceof net.Socket && typeof s.resetAndDestroy === 'function' && !(s instanceof nodeTls().TLSSocket)) s.resetAndDestroy();
      else s.destroy();
    } else s.end();
  }

  /** Gone without a word to the peer (CIPSHUT, the context or the module went). */
  destroy(reason: EndReason): void {
    if (this.state === 'CONNECTING' || this.state === 'CONNECTED' || this.state === 'CLOSING') this.ended = reason;
    this.state = 'CLOSED';
    this.up.clear();
    this.down.clear();
    this.stream?.destroy();
    this.stream = null;
    try {
      this.udp?.close();
    } catch {
      // already closed
    }
    this.udp = null;
  }

  /** The connection failed to come up. */
  failed(): void {
    this.destroy('failed');
    this.ended = 'failed';
  }
}
