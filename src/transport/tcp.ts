/**
 * TCP transport: one DTE at a time, like one wire. A second connection is told why and
 * closed; the modem's state outlives a reconnect unless resetOnConnect is set.
 */
import * as net from 'node:net';
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';

export interface TcpEndpoint {
  host: string;
  port: number;
}

export const BUSY_MESSAGE = 'sim800-emu: another DTE is already connected to this modem (one wire); closing\r\n';

/**
 * Writes to the socket, gathered per event-loop turn: a command's echo and its result,
 * written by the engine moments apart, leave as one buffer in one write call and one
 * system call. (Two writes per `AT` made the round trip 1.7 times a bare server's;
 * gathering into one buffer instead of corking spares the stream a request per piece.
 * bench/README.md.)
 */
function coalesced(socket: net.Socket): (data: Buffer) => void {
  let pending: Buffer[] = [];
  const flush = () => {
    const out = pending.length === 1 ? pending[0] : Buffer.concat(pending);
    pending = [];
    if (socket.writable) socket.write(out);
  };
  return (data) => {
    if (pending.length === 0) setImmediate(flush);
    pending.push(data);
  };
}

export class TcpTransport {
  private server: net.Server | null = null;
  private current: net.Socket | null = null;

  constructor(
    private readonly modem: Modem,
    private readonly log: Logger,
    private readonly resetOnConnect = false,
  ) {}

  async listen(host: string, port: number): Promise<TcpEndpoint> {
    const server = net.createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'tcp server error'));
    const addr = server.address() as net.AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  private onConnection(socket: net.Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.setNoDelay(true);
    if (this.current || this.modem.attachedDte) {
      this.log.warn({ peer }, 'refused a second DTE connection: one wire, one DTE');
      socket.on('error', () => undefined);
      socket.end(BUSY_MESSAGE);
      return;
    }
    this.current = socket;
    this.log.info({ peer }, 'DTE connected');
    const detach = this.modem.attach(coalesced(socket), { reset: this.resetOnConnect });
    socket.on('data', (chunk) => this.modem.receive(chunk));
    const done = () => {
      if (this.current !== socket) return;
      this.current = null;
      detach();
      this.log.info({ peer }, 'DTE disconnected');
    };
    socket.on('close', done);
    socket.on('error', (err) => {
      this.log.debug({ err, peer }, 'DTE socket error');
      done();
    });
  }

  async close(): Promise<void> {
    this.current?.destroy();
    this.current = null;
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
