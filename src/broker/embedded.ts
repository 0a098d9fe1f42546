/**
 * The embedded broker: aedes on a plain TCP listener, so the emulator works out of the
 * box with no broker installed.
 *
 * aedes 0.51 on purpose: aedes 1.x is ESM-only and does not load under Jest + ts-jest
 * (CommonJS), which the whole test suite runs on; 0.51 is CommonJS and speaks MQTT 3.1.1,
 * all a SIM800 needs (docs/mqtt.md, Decisions).
 */
import * as net from 'node:net';
import { createBroker, type Client } from 'aedes';
import type { Logger } from 'pino';
import { silentLogger } from '../log';
import { brokerUrl, type BrokerAddress } from '../net/routing';
import type { AzureHub } from './azureHub';

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  log?: Logger;
  /** The Azure IoT Hub stand-in's checks (broker/azureHub.ts). */
  azureHub?: AzureHub;
}

export class EmbeddedBroker {
  private readonly sockets = new Set<net.Socket>();
  private closed = false;

  private constructor(
    private readonly aedes: ReturnType<typeof createBroker>,
    private readonly server: net.Server,
    readonly address: BrokerAddress,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return brokerUrl(this.address);
  }

  static async start(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
    const host = opts.host ?? '127.0.0.1';
    const log = (opts.log ?? silentLogger).child({ mod: 'broker' });
    const aedes = createBroker();
    opts.azureHub?.attach(aedes);
    aedes.on('clientError', (client: Client, err: Error) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
    aedes.on('connectionError', (_client: Client, err: Error) => log.debug({ err: err.message }, 'connection error'));
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      const client = aedes.handle(socket);
      // aedes starts each connection's packet ids at a random number; mosquitto (and the
      // SIM800 note's capture, `+SMPUBLISH: 1,...`) start at 1. Same numbering here.
      (client as unknown as { _nextId: number })._nextId = 1;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port ?? 1883, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await new Promise<void>((r) => aedes.close(() => r()));
      const e = err as NodeJS.ErrnoException;
      throw new Error(`embedded broker: cannot listen on ${host}:${opts.port ?? 1883}: ${e.code ?? e.message}`);
    }
    server.on('error', (err) => log.error({ err: err.message }, 'broker listener error'));
    const bound = server.address() as net.AddressInfo;
    const broker = new EmbeddedBroker(aedes, server, { host, port: bound.port });
    log.info({ url: broker.url }, 'embedded broker listening');
    return broker;
  }

  /** Closes the listener, every client connection and aedes itself. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const serverClosed = new Promise<void>((r) => this.server.close(() => r()));
    await new Promise<void>((r) => this.aedes.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await serverClosed;
  }
}
