/**
 * TCP wire: one DTE at a time, like one wire. The modem's state outlives a reconnect
 * unless `reset` (--reset-on-connect) is set.
 *
 * Rules a CI harness relies on (docs/cli.md, The TCP wire):
 * - A DTE that closed or half-closed its side has hung up: the wire is free at once, even
 *   if our side still has bytes to send it. A connection that arrives while the wire is
 *   held waits briefly for the holder to go (its hang-up may be in the same event-loop turn
 *   as the new connection), and is refused only if it does not.
 * - A refused connection is told why and closed completely: what it sends is read and
 *   dropped, so its end is seen, and a peer that never closes is cut after LINGER_MS.
 * - What waits for a DTE that does not read is bounded (outputBound.ts), and freed when it
 *   goes.
 * - close() destroys every socket the wire owns, so a stop never waits on a peer.
 */
import * as net from 'node:net';
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';
import { listenOrThrow } from '../optionError';
import { isFdExhaustion, openFileLimit, reportFdExhaustion } from './fdLimit';
import { OutputBound } from '../uart/outputBound';
import { takeWire, type WireData } from '../uart/pacer';
import { READ_BUFFER, readView } from './readBuffer';
import type { Wire } from './wire';

export interface TcpEndpoint {
  host: string;
  port: number;
}

export interface TcpWireOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 2323; 0 = any free port. */
  port?: number;
  /** Power-cycle the modem on every new DTE connection. */
  reset?: boolean;
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatHostPort(e: TcpEndpoint): string {
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

export const BUSY_MESSAGE = 'sim800-emu: another DTE is already connected to this modem (one wire); closing\r\n';

/** How long a new connection waits for the DTE holding the wire to hang up before it is refused. */
const GRACE_MS = 200;
/** How long a socket we closed (refused, or hung up on) may take to send its last bytes. */
const LINGER_MS = 1000;
/** Bytes gathered in one turn before they go to the socket without waiting for the turn's end. */
const GATHER_MAX = 16 * 1024;
/**
 * Event-loop turns the answers to a chunk wait at most for in-process answers (the
 * embedded broker's): aedes hands a delivery on with setImmediate, and may start on a
 * packet only once it has finished the one before (another setImmediate), so an answer
 * comes one to four turns after the request. The wait ends as soon as the last one is in.
 */
export const ANSWER_TURNS = 4;

/** What a DTE socket's reads go to: a chunk, and whether it is only lent for the call. */
type Reader = (chunk: Buffer, lent: boolean) => void;

const dropReads: Reader = () => undefined;

/** The reader of each socket that reads into READ_BUFFER (lendReads). */
const readers = new WeakMap<net.Socket, { read: Reader }>();

/**
 * A listener for DTEs: each connection arrives paused and is handed on as a socket that
 * reads into READ_BUFFER once onReads() gives it a reader. Node's server offers no
 * `onread`, so the accepted connection's handle is taken into a socket made with one
 * (the `handle` option, as Node's own server and cluster make theirs); where that is
 * not possible the connection is handed on as it came, and onReads() listens for 'data'.
 */
export function dteServer(onConnection: (socket: net.Socket) => void, lend = true): net.Server {
  return net.createServer({ pauseOnConnect: true }, (socket) => onConnection(lend ? lendReads(socket) : socket));
}

function lendReads(accepted: net.Socket): net.Socket {
  const internals = accepted as unknown as { _handle: { useUserBuffer?: unknown } | null };
  const handle = internals._handle;
  if (handle === null || typeof handle.useUserBuffer !== 'function') return accepted;
  internals._handle = null;
  accepted.destroy(); // the husk: it lets go of the server's count, not of the connection
  const reader = { read: dropReads };
  const socket = new net.Socket({
    handle,
    pauseOnCreate: true,
    onread: { buffer: READ_BUFFER, callback: (n: number) => reader.read(readView(n), true) },
  } as net.SocketConstructorOpts);
  readers.set(socket, reader);
  return socket;
}

/** Starts a DTE socket's reads, to `read`; a socket that is not reading into READ_BUFFER gets 'data' events. */
export function onReads(socket: net.Socket, read: Reader): void {
  const reader = readers.get(socket);
  if (reader === undefined) {
    socket.on('data', (chunk: Buffer) => read(chunk, false));
    socket.resume(); // it came paused, and 'data' does not start a stream paused on purpose
    return;
  }
  reader.read = read;
  socket.resume();
}

/** Whether a socket reads into the process's one buffer (tests: the path is taken where Node allows it). */
export function readsLent(socket: net.Socket): boolean {
  return readers.has(socket);
}

/** The DTE holding the wire. */
export class TcpDte {
  /** Output gathered in this event-loop turn, not yet handed to the socket. */
  private readonly pending: WireData[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  /** The modem is taking in a chunk the DTE sent: what it answers goes out when it is done. */
  private receiving = false;
  /** Output waits for in-process answers (receive()); for how many more turns at most. */
  private holding = false;
  private holdTurns = 0;
  detach: () => void = () => undefined;
  gone = false;

  constructor(
    readonly socket: net.Socket,
    readonly peer: string,
    private readonly bound: OutputBound,
    private readonly modem: Modem,
  ) {
    socket.on('drain', () => bound.drained());
  }

  /** Bytes waiting for this DTE in the process: gathered, and in the socket's buffer. */
  get queued(): number {
    return this.gone ? 0 : this.pendingBytes + this.socket.writableLength;
  }

  /**
   * Writes are gathered: what the modem answers to a chunk from the DTE (a command's echo
   * and its result, written by the engine moments apart) leaves in one write call and one
   * system call once the chunk is taken in, and what comes otherwise (URCs) once per
   * event-loop turn. Text stays text: a socket writes a latin1 string without a Buffer
   * made for it.
   */
  write(data: WireData): void {
    const fitted = this.gone ? null : this.bound.fit(this.queued, data);
    if (!fitted) return;
    this.pending.push(fitted);
    this.pendingBytes += fitted.length;
    // Bulk (a long echo, a file read) goes to the socket at once: the kernel takes what it
    // can, and what it cannot is what the bound counts.
    if (this.pendingBytes >= GATHER_MAX) {
      this.flush();
      return;
    }
    if (this.receiving) return;
    // Held for in-process answers: the last one to come lets everything go.
    if (this.holding) {
      if (this.modem.answersDue === 0) {
        this.holding = false;
        this.flush();
      }
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushTurn);
  }

  /** Once per event-loop turn; a hold not yet let go waits another turn, ANSWER_TURNS at most. */
  private readonly flushTurn = () => {
    if (this.holding && --this.holdTurns > 0) {
      setImmediate(this.flushTurn);
      return;
    }
    this.holding = false;
    this.flushScheduled = false;
    this.flush();
  };

  /**
   * A chunk from the DTE into the modem; its answers leave together right after, or, when
   * in-process answers are due (Modem.answersDue: the embedded broker's acks or
   * deliveries), together with them as soon as they are in, two turns later at most.
   */
  receive(chunk: Buffer, lent = false): void {
    this.receiving = true;
    try {
      this.modem.receive(chunk, lent);
    } finally {
      this.receiving = false;
    }
    if (this.modem.answersDue === 0) return this.flush();
    this.holding = true;
    this.holdTurns = ANSWER_TURNS;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushTurn);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const out = takeWire(this.pending);
    this.pendingBytes = 0;
    if (!this.gone && this.socket.writable) this.socket.write(out, 'latin1');
  }

  /** The DTE hung up: nothing more is queued for it, and what was is let go. */
  hangUp(): void {
    this.gone = true;
    this.pending.length = 0;
    this.pendingBytes = 0;
  }
}

/**
 * Attaches a DTE's socket to a modem with the wire's rules (gathered writes, the output
 * bound, its hang-up seen on `end` or `close`); `hungUp` runs when it goes.
 */
export function attachTcpDte(modem: Modem, socket: net.Socket, peer: string, log: Logger, reset: boolean | undefined, hungUp: (dte: TcpDte) => void): TcpDte {
  const holder = new TcpDte(socket, peer, new OutputBound(log, { peer }), modem);
  log.info({ peer }, 'DTE connected');
  holder.detach = modem.connectDte((data) => holder.write(data), { reset });
  onReads(socket, (chunk, lent) => {
    if (!holder.gone) holder.receive(chunk, lent);
  });
  // 'end': the peer closed or half-closed its side; it has hung up. (Our side is ended
  // by the socket itself, once what is queued is written.)
  // Each is emitted once at most, so on() (no once() wrapper to keep per connection) does.
  const gone = () => hungUp(holder);
  socket.on('end', gone);
  socket.on('close', gone);
  return holder;
}

/** The modem lets the DTE go: nothing more is written to it, and its socket closes. */
export function detachTcpDte(holder: TcpDte, log: Logger): void {
  holder.hangUp();
  holder.detach();
  lingerThenDestroy(holder.socket);
  log.info({ peer: holder.peer }, 'DTE disconnected');
}

/** A connection turned away: told why, what it sends read and dropped (so its end is seen), closed. */
export function refuseTcp(socket: net.Socket, message: string): void {
  socket.resume();
  socket.end(message);
  lingerThenDestroy(socket);
}

/** A socket we are done with closes when its peer does, or after LINGER_MS whatever the peer does. */
function lingerThenDestroy(socket: net.Socket): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}

/**
 * Puts a DTE listener on `opts`' address (127.0.0.1:2323 by default): a wire's or a
 * fleet's shared one (with a `backlog` as long as the fleet). Running out of descriptors
 * later is reported, not thrown.
 */
export async function listenForDtes(server: net.Server, opts: { host?: string; port?: number }, log: Logger, backlog?: number): Promise<TcpEndpoint> {
  openFileLimit(); // read now: out of descriptors, it could not be read to be reported
  await listenOrThrow(server, opts.host ?? '127.0.0.1', opts.port ?? 2323, 'tcp', { backlog });
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (isFdExhaustion(err)) reportFdExhaustion(log, err, 'a DTE connection was dropped');
    else log.error({ err }, 'tcp server error');
  });
  const addr = server.address() as net.AddressInfo;
  return { host: addr.address, port: addr.port };
}

export class TcpTransport implements Wire<TcpEndpoint> {
  private server: net.Server | null = null;
  private holder: TcpDte | null = null;
  /** Connections waiting for the holder to hang up, oldest first. */
  private readonly waiting = new Map<net.Socket, NodeJS.Timeout>();
  /** Every socket this wire has accepted and not yet seen closed. */
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  constructor(
    private readonly modem: Modem,
    private readonly opts: TcpWireOptions,
    private readonly log: Logger,
  ) {}

  async open(): Promise<TcpEndpoint> {
    this.server = dteServer((socket) => this.onConnection(socket));
    return listenForDtes(this.server, this.opts, this.log);
  }

  /** Bytes waiting in this process for the connected DTE (0 when none is connected). */
  get queued(): number {
    return this.holder?.queued ?? 0;
  }

  /** Sockets this wire holds open: the DTE's, waiting and refused ones not yet closed. */
  get openSockets(): number {
    return this.sockets.size;
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', (err) => this.log.debug({ err, peer }, 'DTE socket error'));
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.stopWaiting(socket);
    });
    if (this.holder) {
      // The holder's hang-up may not have been read yet: give it a moment.
      this.waiting.set(
        socket,
        setTimeout(() => {
          if (this.stopWaiting(socket)) this.refuse(socket, peer);
        }, GRACE_MS),
      );
    } else if (this.modem.dteConnected) this.refuse(socket, peer); // another wire holds the modem
    else this.accept(socket, peer);
  }

  private accept(socket: net.Socket, peer: string): void {
    this.holder = attachTcpDte(this.modem, socket, peer, this.log, this.opts.reset, (holder) => this.release(holder));
  }

  /** The DTE is gone: the wire is free, and the oldest waiting connection takes it. */
  private release(holder: TcpDte): void {
    if (this.holder !== holder) return;
    this.holder = null;
    detachTcpDte(holder, this.log);
    if (this.closed) return;
    for (const socket of this.waiting.keys()) {
      this.stopWaiting(socket);
      if (socket.destroyed) continue;
      this.accept(socket, `${socket.remoteAddress}:${socket.remotePort}`);
      return;
    }
  }

  /** Drops a connection from the waiting list; false when it was not waiting. */
  private stopWaiting(socket: net.Socket): boolean {
    const timer = this.waiting.get(socket);
    if (timer === undefined) return false;
    clearTimeout(timer);
    this.waiting.delete(socket);
    return true;
  }

  private refuse(socket: net.Socket, peer: string): void {
    this.log.warn({ peer }, 'refused a second DTE connection: one wire, one DTE');
    refuseTcp(socket, BUSY_MESSAGE);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.holder) this.release(this.holder);
    for (const socket of this.waiting.keys()) this.stopWaiting(socket);
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
