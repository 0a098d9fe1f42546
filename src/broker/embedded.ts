/**
 * The embedded broker: aedes on a plain TCP listener, and on a TLS listener whose server
 * certificates come from the emulator's CA (broker/ca.ts), so the emulator works out of
 * the box with no broker installed.
 *
 * By default it takes any client that reaches it (it listens on loopback); with `auth`
 * only one user name and password, refused as mosquitto refuses them (CONNACK 5).
 *
 * aedes 0.51 on purpose: aedes 1.x is ESM-only and does not load under Jest + ts-jest
 * (CommonJS), which the whole test suite runs on; 0.51 is CommonJS and speaks MQTT 3.1.1,
 * all a SIM800 needs (docs/mqtt.md, Decisions).
 */
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import type { AuthenticateError, Client, createBroker } from 'aedes';
import type { Logger } from 'pino';
import { silentLogger } from '../log';
import { urlOf, type Address } from '../address';
import { listenOrThrow } from '../optionError';
import { setNextPacketId } from './aedesInternals';
import type { AzureHub } from './azureHub';
import type { CertificateAuthority } from './ca';
import { duplexPair, registerLocalBroker } from './inMemory';
import { memoryPersistence } from './persistence';
import { nodeCrypto, nodeTls } from '../builtins';
import { requireQuietly } from '../quietDebug';

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  log?: Logger;
  /** The Azure IoT Hub stand-in's checks (broker/azureHub.ts). */
  azureHub?: AzureHub;
  /**
   * A TLS listener as well: its port (0 = any free port) and the CA that signs its
   * certificates, asked for on the first TLS connection (making a CA takes a moment).
   */
  tls?: { port: number; ca: () => CertificateAuthority };
  /** Accept only a CONNECT with this user name and password. */
  auth?: BrokerCredentials;
}

export interface BrokerCredentials {
  username: string;
  password: string;
}

/** Equal without telling, by its timing, how much of the secret a guess got right. */
function sameSecret(given: Buffer | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = nodeCrypto().createHash('sha256').update(given).digest();
  const b = nodeCrypto().createHash('sha256').update(expected, 'utf8').digest();
  return nodeCrypto().timingSafeEqual(a, b);
}

type Aedes = ReturnType<typeof createBroker>;

/** Listens, or throws the ListenError of `option` (the flag the address came from). */
const listen = (server: net.Server, host: string, port: number, option: string, after = ''): Promise<void> =>
  listenOrThrow(server, host, port, option, { who: 'embedded broker', after });

/**
 * TLS on a plain net.Server: each connection is wrapped in a server TLSSocket whose
 * certificate matches the name the client asked for (SNI), or localhost/127.0.0.1/::1.
 */
function tlsListener(opts: NonNullable<EmbeddedBrokerOptions['tls']>, log: Logger, handle: (socket: Duplex) => void): net.Server {
  // pauseOnConnect: nothing is read from the socket before the TLS layer owns it, or a
  // ClientHello that came early would be lost to the plain socket.
  return net.createServer({ pauseOnConnect: true }, (raw) => {
    raw.setNoDelay(true);
    let ca: CertificateAuthority;
    try {
      ca = opts.ca();
    } catch (err) {
      log.error({ err: (err as Error).message }, 'broker CA unavailable: TLS connection closed');
      raw.destroy();
      return;
    }
    const socket = new (nodeTls().TLSSocket)(raw, { isServer: true, secureContext: ca.contextFor(''), SNICallback: ca.sniCallback });
    socket.on('error', (err) => log.debug({ err: err.message }, 'TLS client error'));
    handle(socket);
  });
}

export class EmbeddedBroker {
  private readonly sockets = new Set<Duplex>();
  private closed = false;
  private unregister: () => void = () => undefined;

  private constructor(
    /** Closes aedes if it was made (on the first connection, or at start with the hub stand-in). */
    private readonly closeAedes: () => Promise<void>,
    private readonly servers: net.Server[],
    readonly address: Address,
    /** The TLS listener's address, when there is one. */
    readonly tlsAddress?: Address,
  ) {
    for (const server of servers) {
      server.on('connection', (socket) => {
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
      });
    }
  }

  get url(): string {
    return urlOf(this.address, 'mqtt');
  }

  get tlsUrl(): string | undefined {
    return this.tlsAddress && urlOf(this.tlsAddress, 'mqtts');
  }

  static async start(opts: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
    const host = opts.host ?? '127.0.0.1';
    const log = (opts.log ?? silentLogger).child({ mod: 'broker' });
    const auth = opts.auth;
    let made: Aedes | undefined;
    /**
     * aedes (and the MQTT packet stack under it) is loaded and made on the first
     * connection: a broker nobody has connected to holds no state, and loading it was a
     * large part of the CLI's start. The hub stand-in needs it from the start (it
     * delivers to a broker it is attached to).
     */
    const aedes = (): Aedes => {
      if (made) return made;
      const broker = (made = requireQuietly<{ createBroker: typeof createBroker }>('aedes').createBroker({ persistence: memoryPersistence() }));
      opts.azureHub?.attach(broker);
      if (auth) {
        broker.authenticate = (client, username, password, done) => {
          if (username === auth.username && sameSecret(password, auth.password)) return done(null, true);
          log.info({ clientId: client.id, username }, 'CONNECT refused: wrong or missing user name or password');
          done(Object.assign(new Error('not authorized'), { returnCode: 5 }) as AuthenticateError, false);
        };
      }
      broker.on('clientError', (client: Client, err: Error) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
      broker.on('connectionError', (_client: Client, err: Error) => log.debug({ err: err.message }, 'connection error'));
      return broker;
    };
    if (opts.azureHub) aedes();
    const close = () => new Promise<void>((r) => (made ? made.close(() => r()) : r()));
    const handle = (socket: Duplex) => {
      // Packet ids from 1, as mosquitto and the application note's capture number them.
      setNextPacketId(aedes().handle(socket), 1);
    };
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      handle(socket);
    });
    const tlsServer = opts.tls && tlsListener(opts.tls, log, handle);
    const servers = tlsServer ? [server, tlsServer] : [server];
    try {
      await listen(server, host, opts.port ?? 1883, 'brokerPort');
      if (tlsServer) await listen(tlsServer, host, opts.tls!.port, 'brokerTlsPort', ' (TLS)');
    } catch (err) {
      for (const s of servers) if (s.listening) s.close();
      await close();
      throw err;
    }
    for (const s of servers) s.on('error', (err) => log.error({ err: err.message }, 'broker listener error'));
    const bound = (s: net.Server): Address => ({ host, port: (s.address() as net.AddressInfo).port });
    const broker = new EmbeddedBroker(close, servers, bound(server), tlsServer && bound(tlsServer));
    // The plain listener also takes in-memory connections from this process (inMemory.ts).
    broker.unregister = registerLocalBroker(broker.address, () => {
      const [client, conn] = duplexPair();
      broker.sockets.add(conn);
      conn.once('close', () => broker.sockets.delete(conn));
      handle(conn);
      return client;
    });
    log.info({ url: broker.url, tls: broker.tlsUrl, auth: auth ? 'user name and password' : 'none' }, 'embedded broker listening');
    return broker;
  }

  /** Closes the listeners, every client connection and aedes itself. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    const serversClosed = Promise.all(this.servers.map((server) => new Promise<void>((r) => server.close(() => r()))));
    await this.closeAedes();
    for (const s of this.sockets) s.destroy();
    await serversClosed;
  }
}
