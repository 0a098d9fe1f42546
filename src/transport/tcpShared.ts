/**
 * One TCP listener for a whole fleet (`--modems N --shared-port`): each new connection
 * takes the free modem with the lowest index (a modem is free while no DTE is attached to
 * it), and a modem is free again when its DTE hangs up. A modem so needs one file
 * descriptor, its DTE's connection, instead of two (its own listener and the connection):
 * 10 000 modems fit under a `ulimit -n` of 20 000 (docs/fleet.md).
 *
 * Each connection has the TCP wire's rules (tcp.ts: gathered writes, the output bound, a
 * hang-up frees the modem at once, --reset-on-connect power-cycles it); a connection that
 * finds every modem taken is told so and closed. Which modem a connection got, the DTE
 * reads with AT+GSN (every modem of a fleet has its own IMEI).
 */
import * as net from 'node:net';
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';
import { attachTcpDte, detachTcpDte, dteServer, listenForDtes, refuseTcp, type TcpDte, type TcpEndpoint } from './tcp';
import { childLogger } from '../log';

export const FLEET_BUSY_MESSAGE = 'sim800-emu: every modem of the fleet has a DTE connected; closing\r\n';

export interface SharedTcpOptions {
  host?: string;
  port?: number;
  reset?: boolean;
}

/** Free indices, lowest first: the ones never taken from a cursor, the ones given back in a binary heap. */
class FreeIndices {
  private next = 0;
  private readonly heap: number[] = [];

  constructor(private readonly size: number) {}

  take(): number | null {
    if (this.heap.length > 0 && this.heap[0] < this.next) return this.pop();
    if (this.next < this.size) return this.next++;
    return this.heap.length > 0 ? this.pop() : null;
  }

  give(i: number): void {
    const h = this.heap;
    h.push(i);
    for (let k = h.length - 1; k > 0; ) {
      const parent = (k - 1) >> 1;
      if (h[parent] <= h[k]) break;
      [h[parent], h[k]] = [h[k], h[parent]];
      k = parent;
    }
  }

  private pop(): number {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      for (let k = 0; ; ) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < h.length && h[l] < h[m]) m = l;
        if (r < h.length && h[r] < h[m]) m = r;
        if (m === k) break;
        [h[m], h[k]] = [h[k], h[m]];
        k = m;
      }
    }
    return top;
  }
}

export class SharedTcpListener {
  private server: net.Server | null = null;
  private readonly free: FreeIndices;
  /** The DTE of each modem that has one over this listener. */
  private readonly dtes = new Map<number, TcpDte>();
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  constructor(
    private readonly modems: readonly Modem[],
    private readonly opts: SharedTcpOptions,
    private readonly log: Logger,
  ) {
    this.free = new FreeIndices(modems.length);
  }

  async open(): Promise<TcpEndpoint> {
    this.server = dteServer((socket) => this.onConnection(socket));
    // Every DTE of the fleet may dial at once (a test harness starting them all): with
    // Node's queue of 511 the rest of their SYNs were dropped, and each waited a second
    // (then three) to be sent again. The kernel caps the queue at net.core.somaxconn.
    return listenForDtes(this.server, this.opts, this.log, Math.max(511, this.modems.length));
  }

  /** Modems with a DTE connected through this listener. */
  get connected(): number {
    return this.dtes.size;
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', (err) => this.log.debug({ err, peer }, 'DTE socket error'));
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const i = this.takeFree();
    if (i === null) {
      this.log.warn({ peer, modems: this.modems.length }, 'refused a DTE connection: every modem of the fleet has one');
      refuseTcp(socket, FLEET_BUSY_MESSAGE);
      return;
    }
    const dte = attachTcpDte(this.modems[i], socket, peer, childLogger(this.log, { modem: i }), this.opts.reset, (d) => this.release(i, d));
    this.dtes.set(i, dte);
  }

  /** The lowest free modem; one an in-process DTE holds (the library's connect()) is skipped and comes back later. */
  private takeFree(): number | null {
    const skipped: number[] = [];
    let i: number | null;
    while ((i = this.free.take()) !== null && this.modems[i].dteConnected) skipped.push(i);
    for (const s of skipped) this.free.give(s);
    return i;
  }

  private release(i: number, dte: TcpDte): void {
    if (this.dtes.get(i) !== dte) return;
    this.dtes.delete(i);
    detachTcpDte(dte, this.log);
    this.free.give(i);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [i, dte] of [...this.dtes]) this.release(i, dte);
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
