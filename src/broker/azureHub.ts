/**
 * An Azure IoT Hub stand-in inside the embedded broker (docs/azure.md): aedes' hooks
 * check each CONNECT as the hub does (client id = a registered device, the hub's user
 * name, a SAS token signed with that device's key and not expired), keep each device to
 * its own topics, and send cloud-to-device messages with the hub's property-bag topics.
 *
 * CONNACK codes (MQTT 3.1.1): 2 the client id is not a device id at all; 4 the user name
 * or the password is malformed (not `<host>/<id>/?api-version=…`, not a SAS token, a
 * user name for another device or hub); 5 well-formed but not authorized (unknown device,
 * token for another resource or a policy, expired, wrong signature). With `tlsOnly` (the
 * embedded broker has a TLS listener) a plain connection is dropped without a CONNACK, as
 * the hub's TLS-only endpoint drops an MQTT CONNECT that is not a TLS handshake.
 */
import { EventEmitter } from 'node:events';
import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import type { Logger } from 'pino';
import { silentLogger } from '../log';
import { OptionError } from '../optionError';
import { connectedClient, hasSubscription, setNextPacketId } from './aedesInternals';
import { checkSasToken, DEVICE_ID_RE, encodeStrict, isBase64, isDomainName, type SasProblem } from '../sas';
import { nodeCrypto } from '../builtins';

export interface AzureDevice {
  id: string;
  /** The device's primary key, base64. */
  key: string;
}

export interface AzureHubOptions {
  devices: AzureDevice[];
  /** The hub's host name. When absent, the hub takes the name the device's SAS token is for. */
  hostName?: string;
}

export interface C2DOptions {
  /** `$.mid`; a fresh GUID when absent. */
  messageId?: string;
  /** Application properties, appended to the topic's property bag. */
  properties?: Readonly<Record<string, string>>;
  /** The MQTT packet id of the delivery (to replay a capture); the connection's next id when absent. */
  packetId?: number;
}

export interface C2DResult {
  messageId: string;
  topic: string;
  /** false: the device is not subscribed yet; the hub holds the message until it is. */
  delivered: boolean;
}

/** A device-to-cloud message as the hub's service side sees it. */
export interface D2CMessage {
  deviceId: string;
  topic: string;
  payload: Buffer;
  /** The topic's property bag, decoded (`mqtt-retain: true` when the device set RETAIN). */
  properties: Record<string, string>;
}

export interface Refusal {
  clientId: string;
  /** The CONNACK code; null when the connection was dropped without one (plain MQTT to a TLS-only hub). */
  returnCode: 2 | 4 | 5 | null;
  reason: string;
}

export interface AzureHubEvents {
  connected: [deviceId: string, how: { tls: boolean }];
  refused: [refusal: Refusal];
  message: [message: D2CMessage];
  /** A device broke the hub's rules after connecting (publish to a foreign topic, QoS 2); the hub closed it. */
  violation: [violation: { deviceId: string; reason: string }];
}

/** Checks the hub options (from the CLI, a config file or the library); throws a one-line Error. */
export function checkAzureHubOptions(opts: AzureHubOptions): AzureHubOptions {
  if (!Array.isArray(opts.devices) || opts.devices.length === 0) throw new OptionError('azureHub', 'azure hub: no devices (expected id:key pairs)');
  const seen = new Set<string>();
  for (const d of opts.devices) {
    if (typeof d?.id !== 'string' || !DEVICE_ID_RE.test(d.id)) throw new OptionError('azureHub', `azure hub: "${String(d?.id)}" is not a device id (1..128 of A-Z a-z 0-9 -.%_*?!(),:=@$')`);
    if (typeof d.key !== 'string' || !isBase64(d.key)) throw new OptionError('azureHub', `azure hub: the key of device "${d.id}" is not base64`);
    if (seen.has(d.id)) throw new OptionError('azureHub', `azure hub: device "${d.id}" given twice`);
    seen.add(d.id);
  }
  if (opts.hostName !== undefined && !isDomainName(opts.hostName)) throw new OptionError('azureHub', `azure hub: host name "${opts.hostName}" is not a domain name`);
  return opts;
}

/** `id:key[,id:key...]` (the key is base64, so the last `:` splits). */
export function parseDeviceList(text: string): AzureDevice[] {
  return text.split(',').map((pair) => {
    const colon = pair.lastIndexOf(':');
    if (colon <= 0) throw new OptionError('azureHub', `azure hub: "${pair}" is not id:key`);
    return { id: pair.slice(0, colon).trim(), key: pair.slice(colon + 1).trim() };
  });
}

/** `<host>/<deviceId>/?api-version=<v>[&more]`; null when it is not the hub's user name shape. */
export function parseHubUserName(user: string): { host: string; deviceId: string; apiVersion: string } | null {
  const q = user.indexOf('/?');
  const slash = user.indexOf('/');
  if (q < 0 || slash <= 0 || slash === q) return null;
  const apiVersion = new URLSearchParams(user.slice(q + 2)).get('api-version');
  if (!apiVersion) return null;
  return { host: user.slice(0, slash), deviceId: user.slice(slash + 1, q), apiVersion };
}

/** Decodes a property bag `k1=v1&%24.ct=...` (values URL-encoded); null when malformed. */
function parseBag(bag: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  try {
    for (const part of bag.split('&').filter(Boolean)) {
      const eq = part.indexOf('=');
      out[decodeURIComponent(eq < 0 ? part : part.slice(0, eq))] = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    }
  } catch {
    return null;
  }
  return out;
}

const SAS_CODE: Readonly<Record<SasProblem, 4 | 5>> = { malformed: 4, policy: 5, resource: 5, expired: 5, signature: 5 };

type Aedes = import('aedes').default;

const isTls = (client: Client) => (client.conn as { encrypted?: boolean }).encrypted === true;
const eventsTopic = (id: string) => `devices/${id}/messages/events/`;
const c2dPrefix = (id: string) => `devices/${id}/messages/devicebound/`;

export class AzureHub extends EventEmitter<AzureHubEvents> {
  readonly hostName?: string;
  /** Devices must come over TLS (set when the embedded broker has its TLS listener). */
  tlsOnly = false;
  private readonly keys = new Map<string, string>();
  private aedes: Aedes | null = null;
  /** C2D messages for devices not subscribed yet (the hub's cloud-to-device queue). */
  private readonly queued = new Map<string, { topic: string; payload: Buffer; packetId?: number }[]>();
  private readonly log: Logger;

  constructor(
    opts: AzureHubOptions,
    log: Logger = silentLogger,
    /** The hub's clock in ms (a test may set the hub's "now"; the device's RTC is separate). */
    private readonly now: () => number = Date.now,
  ) {
    super();
    checkAzureHubOptions(opts);
    for (const d of opts.devices) this.keys.set(d.id, d.key);
    this.hostName = opts.hostName;
    this.log = log.child({ mod: 'azure-hub' });
  }

  /** Installs the hub's checks on the broker. */
  attach(aedes: Aedes): void {
    this.aedes = aedes;
    aedes.preConnect = (client, packet, done) => {
      if (!this.tlsOnly || isTls(client)) return done(null, true);
      // An error here makes aedes close the socket without a CONNACK.
      this.refuse({ clientId: packet.clientId, returnCode: null, reason: 'plain MQTT: the hub takes TLS only' });
      done(new Error('TLS only'), false);
    };
    aedes.authenticate = (client, username, password, done) => {
      const r = this.authenticate(client.id, username, password?.toString('utf8'));
      if (r === null) {
        this.log.info({ deviceId: client.id }, 'device connected');
        this.emit('connected', client.id, { tls: isTls(client) });
        return done(null, true);
      }
      this.refuse({ clientId: client.id, ...r });
      done(Object.assign(new Error(r.reason), { returnCode: r.returnCode }) as AuthenticateError, false);
    };
    aedes.authorizePublish = (client, packet, done) => {
      const deviceId = client?.id ?? (packet as PublishPacket & { clientId?: string }).clientId ?? '';
      const why = this.checkPublish(deviceId, packet);
      if (why === null) return done(null);
      this.log.info({ deviceId, topic: packet.topic, reason: why }, 'publish refused: closing the connection');
      this.emit('violation', { deviceId, reason: why });
      done(new Error(why));
    };
    aedes.authorizeSubscribe = (client, sub, done) => done(null, this.checkSubscribe(client, sub));
    aedes.on('subscribe', (subs: Subscription[], client: Client) => {
      if (subs.some((s) => s.topic === `${c2dPrefix(client.id)}#`)) this.flushQueue(client.id);
    });
  }

  private refuse(refusal: Refusal): void {
    this.log.info(refusal, 'CONNECT refused');
    this.emit('refused', refusal);
  }

  /** null when the device may connect, else the CONNACK code and why. */
  private authenticate(clientId: string, username: string | undefined, password: string | undefined): { returnCode: 2 | 4 | 5; reason: string } | null {
    if (!DEVICE_ID_RE.test(clientId)) return { returnCode: 2, reason: 'client id is not a device id' };
    const user = username === undefined ? null : parseHubUserName(username);
    if (!user) return { returnCode: 4, reason: 'user name is not <host>/<deviceId>/?api-version=<version>' };
    if (user.deviceId !== clientId) return { returnCode: 4, reason: 'user name is for another device than the client id' };
    if (this.hostName !== undefined && user.host.toLowerCase() !== this.hostName.toLowerCase()) return { returnCode: 4, reason: `user name is for another hub than ${this.hostName}` };
    if (!password) return { returnCode: 4, reason: 'no password (SAS token)' };
    const key = this.keys.get(clientId);
    if (key === undefined) return { returnCode: 5, reason: 'unknown device' };
    const r = checkSasToken(password, { host: user.host, deviceId: clientId, key }, Math.floor(this.now() / 1000));
    return r.ok ? null : { returnCode: SAS_CODE[r.problem], reason: `SAS token: ${r.problem}` };
  }

  /** null when allowed; a device publishes telemetry only, at QoS 0 or 1. */
  private checkPublish(deviceId: string, packet: PublishPacket): string | null {
    if (packet.qos === 2) return 'QoS 2 is not supported';
    if (!packet.topic.startsWith(eventsTopic(deviceId))) return `topic ${packet.topic} is not ${eventsTopic(deviceId)}`;
    const properties = parseBag(packet.topic.slice(eventsTopic(deviceId).length));
    if (!properties) return 'malformed property bag';
    if (packet.retain) {
      // The hub stores nothing; RETAIN surfaces as an application property.
      packet.retain = false;
      properties['mqtt-retain'] = 'true';
    }
    this.emit('message', { deviceId, topic: packet.topic, payload: Buffer.from(packet.payload), properties });
    return null;
  }

  /**
   * The subscription to grant, or null for SUBACK 0x80. QoS 2 is stored as 1 (the hub has
   * no QoS 2); aedes still echoes the requested 2 in its SUBACK, which a SIM800 never sees
   * (SMSUB takes QoS 0..1).
   */
  private checkSubscribe(client: Client, sub: Subscription): Subscription | null {
    if (sub.topic !== `${c2dPrefix(client.id)}#`) return null;
    return { ...sub, qos: Math.min(sub.qos, 1) as 0 | 1 };
  }

  /**
   * Sends a cloud-to-device message: QoS 1 on `devices/<id>/messages/devicebound/` with
   * the URL-encoded system properties (`%24.mid`, `%24.to`) and the application ones.
   */
  sendC2D(deviceId: string, payload: string | Buffer, opts: C2DOptions = {}): Promise<C2DResult> {
    if (!this.keys.has(deviceId)) return Promise.reject(new Error(`azure hub: unknown device "${deviceId}"`));
    const messageId = opts.messageId ?? nodeCrypto().randomUUID();
    const bag: [string, string][] = [['$.mid', messageId], ['$.to', `/devices/${deviceId}/messages/devicebound`], ...Object.entries(opts.properties ?? {})];
    const topic = c2dPrefix(deviceId) + bag.map(([k, v]) => `${encodeStrict(k)}=${encodeStrict(v)}`).join('&');
    const msg = { topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8'), packetId: opts.packetId };
    if (!this.subscribed(deviceId)) {
      this.queued.set(deviceId, [...(this.queued.get(deviceId) ?? []), msg]);
      return Promise.resolve({ messageId, topic, delivered: false });
    }
    return this.deliver(deviceId, msg).then(() => ({ messageId, topic, delivered: true }));
  }

  private subscribed(deviceId: string): boolean {
    return hasSubscription(this.aedes ? connectedClient(this.aedes, deviceId) : undefined, `${c2dPrefix(deviceId)}#`);
  }

  private deliver(deviceId: string, msg: { topic: string; payload: Buffer; packetId?: number }): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new Error('azure hub: not attached to a broker'));
    const client = connectedClient(aedes, deviceId);
    // The embedded broker numbers deliveries itself; a replayed capture may name the id.
    if (client && msg.packetId !== undefined) setNextPacketId(client, msg.packetId);
    return new Promise((resolve, reject) =>
      aedes.publish({ cmd: 'publish', topic: msg.topic, payload: msg.payload, qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())),
    );
  }

  private flushQueue(deviceId: string): void {
    const waiting = this.queued.get(deviceId) ?? [];
    this.queued.delete(deviceId);
    // After the SUBACK: aedes emits 'subscribe' once the subscription is in place.
    for (const m of waiting) void this.deliver(deviceId, m).catch((err: Error) => this.log.warn({ deviceId, err: err.message }, 'C2D delivery failed'));
  }
}
