/**
 * The module's MQTT session (SIM800 MQTT application note): the SMCONF parameters, one
 * mqtt.js connection to the broker the router picks, the module's own packet-id sequence,
 * and the URCs that report acks (`+SMSUB/+SMUNSUB/+SMPUB: <id>,<status>`), deliveries
 * (`+SMPUBLISH`) and link loss (`+SMSTATE: 0`).
 *
 * Rules the firmware relies on (docs/mqtt.md):
 * - every SUB/UNSUB/PUB request ends in exactly one ack URC: on the broker's ack, after
 *   TIMEOUT, or when the link goes; our own record with its own timer decides, not mqtt.js
 *   callbacks (those may never fire once a client is ended);
 * - the URCs of the module's requests come out in request order, and a delivery waits for
 *   the acks of the requests issued before it arrived (the note's Example 1 order,
 *   `+SMPUB: 2,0` before `+SMPUBLISH: 1,...`, whichever order the broker sends them in);
 * - bytes are latin1 on the AT side (one char = one byte) and raw bytes on the MQTT side.
 */
import type * as Mqtt from 'mqtt';
import type { IClientOptions, MqttClient, Packet } from 'mqtt';

/**
 * mqtt.js is loaded on first use (a session's connect, a topic check): it takes a large
 * part of the CLI's start when loaded with the rest, and a modem whose firmware never
 * speaks MQTT does not need it.
 */
let loadedMqtt: typeof Mqtt | undefined;
const mqtt = (): typeof Mqtt => (loadedMqtt ??= requireQuietly<typeof Mqtt>('mqtt'));
import type { TimerHandle } from '../../clock';
import { BearerStatus } from '../../modem/bearer';
import type { FeatureHooks } from '../../modem/feature';
import { MQTT_PAYLOAD_SHOWN, type DialedLink, type Modem, type MqttPacketEvent } from '../../modem/modem';
import { urlOf } from '../../address';
import { requireQuietly } from '../../quietDebug';
import { BrokerRouter } from '../../net/routing';
import { createSasToken } from '../../sas';
import { tlsClientOptions, type RootCertificateSource, type TrustSettings } from '../../net/tls';
import { childLogger } from '../../log';

export interface MqttWill {
  topic: string;
  message: string;
  qos: number;
  retain: number;
}

/** The AT+SMCONF parameters. Strings hold the AT line's latin1 text. */
export interface MqttConfig {
  cid: number;
  /** '' until AT+SMCONF="URL" sets it. */
  host: string;
  port: number;
  clientId: string;
  keepalive: number;
  cleanss: number;
  username: string;
  password: string;
  /** Seconds the module waits for CONNACK and for each ack. */
  timeout: number;
  will: MqttWill;
  /**
   * Set by AT+SAZURECONF: while set, PASSWORD is a SAS token signed at each SMCONN with
   * the module clock + `lifetime` as its expiry (docs/azure.md). SMCONF="PASSWORD" clears it.
   */
  azure: AzureSigning | null;
}

export interface AzureSigning {
  host: string;
  deviceId: string;
  /** The device key, base64. */
  key: string;
  /** Seconds the token stays valid, counted from the module clock at SMCONN. */
  lifetime: number;
}

/** Defaults per the note (CID and TIMEOUT are not stated there: docs/mqtt.md, Decisions). */
export function defaultMqttConfig(): MqttConfig {
  return {
    cid: 1,
    host: '',
    port: 1883,
    clientId: '',
    keepalive: 60,
    cleanss: 0,
    username: '',
    password: '',
    timeout: 60,
    will: { topic: '', message: '', qos: 0, retain: 0 },
    azure: null,
  };
}

/** Why an SM* request failed. The command table (commands/mqtt.ts) maps each to a CME code. */
export type MqttFailure = 'noBearer' | 'noUrl' | 'wrongState' | 'refused' | 'tls' | 'unreachable' | 'dns' | 'timeout' | 'invalidInput';

type RequestKind = 'SUB' | 'UNSUB' | 'PUB';
const ACK_URC: Record<RequestKind, string> = { SUB: '+SMSUB', UNSUB: '+SMUNSUB', PUB: '+SMPUB' };
/** `<status>` of the ack URCs (note: 0 success, 1 timeout, 2 other error). */
export const AckStatus = { ok: 0, timeout: 1, error: 2 } as const;

/** The application note cuts the topic of `+SMPUBLISH` to 128 characters. */
export const URC_TOPIC_MAX = 128;

/** Socket-level failures while connecting, by Node error code. */
const CONNECT_ERRORS: Readonly<Record<string, MqttFailure>> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  ECONNREFUSED: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ECONNRESET: 'unreachable',
  EPIPE: 'unreachable',
  ETIMEDOUT: 'timeout',
};

function classifyConnectError(err: (Error & { code?: string | number }) | undefined): MqttFailure {
  if (!err) return 'unreachable'; // closed before CONNACK without a word: a reset
  if (typeof err.code === 'number') return 'refused'; // CONNACK return code 1..5
  if (err.message === 'connack timeout') return 'timeout';
  if (err.code && CONNECT_ERRORS[err.code]) return CONNECT_ERRORS[err.code];
  if (err.code && /^(ERR_SSL|ERR_TLS|EPROTO|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/.test(err.code)) return 'tls';
  return 'unreachable';
}

/** Only ASCII, which reads the same as latin1 bytes and as UTF-8 (most topics): nothing to convert. */
const ascii = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
};
const toUtf8 = (latin1: string) => (ascii(latin1) ? latin1 : Buffer.from(latin1, 'latin1').toString('utf8'));
const toLatin1 = (utf8: string) => (ascii(utf8) ? utf8 : Buffer.from(utf8, 'utf8').toString('latin1'));
const noop = () => undefined;

type IMessageIdProvider = NonNullable<IClientOptions['messageIdProvider']>;

/**
 * The module's packet-id sequence, handed to mqtt.js so SUBSCRIBE, PUBLISH and UNSUBSCRIBE
 * share one counter that starts at 1 on every connect (mqtt.js calls clear() on CONNACK).
 * Ids still in flight are skipped when the counter wraps.
 */
export class ModuleIds implements IMessageIdProvider {
  private next = 1;
  private last: number | null = null;
  private readonly inUse = new Set<number>();
  /** Counts allocations, so a caller can tell that mqtt.js took an id synchronously. */
  allocations = 0;

  allocate(): number | null {
    return this.take(true);
  }

  /**
   * The next id of the sequence for a request nothing will acknowledge (a QoS 0 publish):
   * numbered like the rest, but not held, since nothing will release it.
   */
  unacknowledgedId(): number | null {
    return this.take(false);
  }

  private take(hold: boolean): number | null {
    for (let n = 0; n < 65535; n++) {
      const id = this.next;
      this.next = id >= 65535 ? 1 : id + 1;
      if (!this.inUse.has(id)) {
        if (hold) this.inUse.add(id);
        this.last = id;
        this.allocations++;
        return id;
      }
    }
    return null;
  }
  getLastAllocated(): number | null {
    return this.last;
  }
  register(id: number): boolean {
    if (this.inUse.has(id)) return false;
    this.inUse.add(id);
    return true;
  }
  deallocate(id: number): void {
    this.inUse.delete(id);
  }
  clear(): void {
    this.inUse.clear();
    this.next = 1;
    this.last = null;
  }
}

/** MQTT topic matching (3.1.1 §4.7): `+` one level, `#` the rest; `$` topics only by filters that name them. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  // Without a wildcard a filter names one topic: no splitting (every SMPUB asks this of each filter).
  if (!filter.includes('+') && !filter.includes('#')) return false;
  if (topic.startsWith('$') && !filter.startsWith('$')) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** One place in the URC order: an ack not yet known, or a line ready to go. */
interface Slot {
  line: string | null;
}

interface Pending {
  kind: RequestKind;
  slot: Slot;
  timer: TimerHandle;
  /** SUB/UNSUB: the filter, so the subscription list follows the broker's acks. */
  topic?: string;
  qos?: number;
}

/** What the control API shows of the session (`GET /state`); the password masked. */
export interface MqttSnapshot {
  state: 0 | 1;
  phase: string;
  url: string;
  cid: number;
  clientId: string;
  username: string;
  password: string;
  keepalive: number;
  cleanss: number;
  timeout: number;
  ssl: number;
  subscriptions: { topic: string; qos: number }[];
  inFlight: { id: number; kind: string }[];
}

type Phase = 'idle' | 'connecting' | 'online' | 'closing';

/** A packet as observers see it (the control page, traces): never a password. */
export function packetEvent(dir: 'in' | 'out', p: Packet): MqttPacketEvent {
  const e: MqttPacketEvent = { dir, type: p.cmd };
  const any = p as Packet & Record<string, unknown>;
  if (typeof any.messageId === 'number') e.id = any.messageId;
  switch (p.cmd) {
    case 'publish': {
      const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
      e.topic = p.topic;
      e.qos = p.qos;
      e.retain = p.retain;
      if (p.dup) e.dup = true;
      e.bytes = payload.length;
      e.payload = payload.subarray(0, MQTT_PAYLOAD_SHOWN).toString('latin1');
      break;
    }
    case 'connect':
      e.clientId = p.clientId;
      if (p.username !== undefined) e.username = p.username;
      e.password = p.password !== undefined;
      e.keepalive = p.keepalive;
      e.clean = p.clean;
      break;
    case 'connack':
      e.returnCode = p.returnCode ?? p.reasonCode;
      break;
    case 'subscribe':
      e.topics = p.subscriptions.map((s) => s.topic);
      break;
    case 'unsubscribe':
      e.topics = p.unsubscriptions.slice();
      break;
    case 'suback':
      e.granted = (p.granted as (number | { qos: number })[]).map((g) => (typeof g === 'number' ? g : g.qos));
      break;
  }
  return e;
}

const DIRECT = new BrokerRouter('direct');

/** What the session needs for AT+SMSSL=1: the SSL settings and the flash the root file is in. */
export interface TlsTrust {
  settings(): TrustSettings;
  roots(): RootCertificateSource;
}

export class MqttSession implements FeatureHooks {
  config: MqttConfig = defaultMqttConfig();
  /** AT+SMSSL: 0 plain, 1 TLS. */
  ssl = 0;
  private phase_: Phase = 'idle';
  private client: MqttClient | null = null;
  private ids = new ModuleIds();
  /** The bearer the session rides on (the CID at connect time). */
  private cid = 0;
  private readonly pending = new Map<number, Pending>();
  /** Filters the broker acknowledged (topic → QoS), latin1 as the AT side wrote them. */
  readonly subscriptions = new Map<string, number>();
  private outbox: Slot[] = [];
  /** Aborts a connect in progress (bearer lost, module reset). */
  private abortConnect: ((f: MqttFailure) => void) | null = null;
  /** Bumped by every module reset, so late callbacks of an old life do nothing. */
  private generation = 0;
  /** The broker is in this process, in memory: its answers come within the event-loop cycle. */
  private inProcess = false;
  private readonly log;

  constructor(
    private readonly modem: Modem,
    private readonly trust: TlsTrust,
  ) {
    this.log = childLogger(modem.log, { mod: 'mqtt' });
  }

  /** Where the session is; every change is a modem `change` (the control page's timeline). */
  private get phase(): Phase {
    return this.phase_;
  }

  private set phase(next: Phase) {
    if (next === this.phase_) return;
    this.phase_ = next;
    this.modem.emit('change');
  }

  /** AT+SMSTATE: 1 online, 0 otherwise. O(1): firmware polls it several times a second. */
  get state(): 0 | 1 {
    return this.phase === 'online' ? 1 : 0;
  }

  snapshot(): MqttSnapshot {
    const c = this.config;
    return {
      state: this.state,
      phase: this.phase,
      url: c.host ? `${c.host}:${c.port}` : '',
      cid: c.cid,
      clientId: c.clientId,
      username: c.username,
      password: c.password ? '***' : '',
      keepalive: c.keepalive,
      cleanss: c.cleanss,
      timeout: c.timeout,
      ssl: this.ssl,
      subscriptions: [...this.subscriptions].map(([topic, qos]) => ({ topic, qos })),
      inFlight: [...this.pending].map(([id, p]) => ({ id, kind: p.kind })),
    };
  }

  // ---- connect / disconnect -------------------------------------------------------

  async connect(): Promise<MqttFailure | null> {
    const cfg = this.config;
    if (this.phase !== 'idle') return 'wrongState';
    if (!cfg.host) return 'noUrl';
    if (!this.bearerUp(cfg.cid)) return 'noBearer';
    const gen = this.generation;
    this.phase = 'connecting';
    await this.modem.clock.sleep(this.modem.timing.delay('mqttConnectMs'));
    if (gen !== this.generation) return 'wrongState';
    if (!this.bearerUp(cfg.cid)) {
      this.phase = 'idle';
      return 'noBearer';
    }
    this.cid = cfg.cid;
    if (cfg.azure) cfg.password = createSasToken({ ...cfg.azure, expiry: this.modem.rtc.utcSeconds() + cfg.azure.lifetime });
    // TLS as the module does it: only the AT+SSLSETROOT root, the configured host checked (net/tls.ts).
    const tls = this.ssl ? tlsClientOptions(this.trust.settings(), this.trust.roots(), cfg.host) : null;
    if (tls && !tls.ok) {
      this.log.info({ failure: 'tls', err: tls.reason }, 'SMCONN failed');
      this.phase = 'idle';
      return 'tls';
    }
    const routed = (this.modem.router ?? DIRECT).route({ host: cfg.host, port: cfg.port }, this.ssl === 1);
    // With fault injection on, the connection passes the fault link (faults/link.ts); it
    // dials the broker first, so a refused port or an unknown host fails here.
    let target: DialedLink = routed;
    if (this.modem.link) {
      try {
        target = await this.modem.link.dial(routed, cfg.timeout * 1000, { tls: this.ssl === 1 });
      } catch (err) {
        if (gen !== this.generation) return 'wrongState';
        this.phase = 'idle';
        this.log.info({ err: (err as Error).message }, 'SMCONN failed');
        return classifyConnectError(err as Error & { code?: string });
      }
      if (gen !== this.generation) return 'wrongState';
      if (!this.bearerUp(cfg.cid)) {
        this.phase = 'idle';
        return 'noBearer';
      }
    }
    const ids = new ModuleIds();
    this.inProcess = target.inProcess === true;
    const opts: IClientOptions = {
      host: target.host,
      port: target.port,
      protocol: this.ssl ? 'mqtts' : 'mqtt',
      protocolVersion: 4,
      reconnectPeriod: 0,
      // Our own TIMEOUT timer decides; mqtt.js' timer is only a backstop behind it.
      connectTimeout: cfg.timeout * 1000 + 5000,
      clientId: toUtf8(cfg.clientId),
      clean: cfg.cleanss === 1,
      keepalive: cfg.keepalive,
      username: cfg.username ? toUtf8(cfg.username) : undefined,
      password: cfg.username && cfg.password ? Buffer.from(cfg.password, 'latin1') : undefined,
      will: cfg.will.topic
        ? { topic: toUtf8(cfg.will.topic), payload: Buffer.from(cfg.will.message, 'latin1'), qos: cfg.will.qos as 0 | 1 | 2, retain: cfg.will.retain === 1 }
        : undefined,
      messageIdProvider: ids,
      // mqtt.js's own debug log: even off, each call built an argument array (4.6 KB per publish loop).
      log: noop,
      resubscribe: false,
      queueQoSZero: false,
      manualConnect: true,
      ...tls?.options,
    };
    this.log.info({ url: `${cfg.host}:${cfg.port}`, dial: urlOf(routed, this.ssl ? 'mqtts' : 'mqtt'), clientId: cfg.clientId, username: cfg.username, tls: this.ssl === 1 }, 'SMCONN');

    return new Promise<MqttFailure | null>((resolve) => {
      let lastError: (Error & { code?: string | number }) | undefined;
      let client: MqttClient | null = null;
      const finish = (failure: MqttFailure | null) => {
        if (this.abortConnect !== finish) return;
        this.abortConnect = null;
        this.modem.clock.clearTimeout(timer);
        if (failure) {
          this.log.info({ failure, err: lastError?.message }, 'SMCONN failed');
          this.drop(client);
          this.phase = 'idle';
        } else {
          this.phase = 'online';
        }
        resolve(failure);
      };
      this.abortConnect = finish;
      const timer = this.modem.clock.setTimeout(() => finish('timeout'), cfg.timeout * 1000);
      try {
        // The dialer may hand over a stream (an in-memory pipe to the embedded broker, or the
        // socket it opened to another one); the client is then built directly, so
        // connect()'s up-front check is made here.
        const stream = target.stream;
        if (stream && opts.clean === false && !opts.clientId) throw new Error('Missing clientId for unclean clients');
        client = stream ? new (mqtt().MqttClient)(() => stream(), opts) : mqtt().connect(opts);
      } catch (err) {
        // mqtt.js refuses some option sets up front (CLEANSS=0 without a CLIENTID).
        lastError = err as Error;
        this.client = null;
        finish('refused');
        return;
      }
      const c = client;
      this.client = c;
      this.ids = ids;
      // Once TCP is up, a connection that ends before its TLS handshake completes is a
      // TLS failure (767), not an unreachable broker: a plain listener resets a ClientHello.
      let handshaking = false;
      c.on('error', (err: Error & { code?: string | number }) => {
        lastError = err;
        this.log.debug({ err: err.message, code: err.code }, 'mqtt client error');
        if (this.client === c && this.phase === 'connecting' && typeof err.code === 'number') finish('refused');
      });
      c.once('connect', () => {
        if (this.client !== c) return;
        if (cfg.cleanss === 1) this.subscriptions.clear(); // a clean session starts with none
        finish(null);
      });
      c.on('close', () => {
        if (this.client !== c) return;
        if (this.phase === 'connecting') finish(handshaking ? 'tls' : classifyConnectError(lastError));
        else if (this.phase === 'online') this.linkLost(lastError?.message ?? 'broker closed the connection');
      });
      c.on('packetreceive', (p: Packet) => {
        if (this.client !== c) return;
        if (this.modem.listenerCount('mqtt') > 0) this.modem.emit('mqtt', packetEvent('in', p));
        this.onPacket(p);
      });
      c.on('packetsend', (p: Packet) => {
        if (this.client === c && this.modem.listenerCount('mqtt') > 0) this.modem.emit('mqtt', packetEvent('out', p));
      });
      c.on('message', (topic: string, payload: Buffer, packet: { messageId?: number }) => {
        if (this.client === c) this.onMessage(topic, payload, packet.messageId ?? 0);
      });
      // Listening first, then the stream and CONNECT (manualConnect): observers see the CONNECT too.
      c.connect();
      // Nagle would hold each PUBLISH behind the previous small PUBACK until the broker's
      // delayed ACK (~40 ms): a publish/echo loop against aedes crawled at 44 ms a round.
      (c.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
      if (tls) {
        c.stream?.once('connect', () => (handshaking = true));
        c.stream?.once('secureConnect', () => (handshaking = false));
      }
    });
  }

  /** AT+SMDISC: a clean DISCONNECT (no will), then the socket closes. */
  async disconnect(): Promise<MqttFailure | null> {
    const client = this.client;
    if (this.phase !== 'online' || !client) return 'wrongState';
    this.phase = 'closing';
    // mqtt.js holds DISCONNECT back until its in-flight packets are acked; the module sends
    // it at once. Our own records stay: acks arriving before the close still count.
    for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    await new Promise<void>((resolve) => {
      const timer = this.modem.clock.setTimeout(() => client.stream?.destroy(), this.config.timeout * 1000);
      client.end(false, {}, () => {
        this.modem.clock.clearTimeout(timer);
        resolve();
      });
    });
    if (this.client !== client) return null; // reset or bearer loss meanwhile: already cleaned up
    this.client = null;
    this.phase = 'idle';
    this.failPending();
    this.log.info('SMDISC');
    return null;
  }

  // ---- requests -------------------------------------------------------------------

  subscribe(topic: string, qos: number): number | MqttFailure {
    return this.request(
      'SUB',
      () => {
        if (topic === '' || mqtt().validateTopics([toUtf8(topic)]) !== null) return false;
        this.client!.subscribe(toUtf8(topic), { qos: qos as 0 | 1 }, noop);
        this.answerComing();
        return true;
      },
      topic,
      qos,
    );
  }

  unsubscribe(topic: string): number | MqttFailure {
    return this.request(
      'UNSUB',
      () => {
        if (topic === '' || mqtt().validateTopics([toUtf8(topic)]) !== null) return false;
        this.client!.unsubscribe(toUtf8(topic), {}, noop);
        this.answerComing();
        return true;
      },
      topic,
    );
  }

  publish(topic: string, qos: number, retain: number, message: string): number | MqttFailure {
    const client = this.client;
    if (this.phase !== 'online' || !client) return 'wrongState';
    if (topic === '' || /[+#]/.test(topic)) return 'invalidInput';
    const payload = Buffer.from(message, 'latin1');
    if (qos > 0) {
      return this.request('PUB', () => {
        client.publish(toUtf8(topic), payload, { qos: qos as 1, retain: retain === 1 }, noop);
        this.answerComing();
        return true;
      });
    }
    // QoS 0 has no packet id on the wire; the module still numbers the request, and
    // reports it done at once (nothing will ever acknowledge it).
    const id = this.ids.unacknowledgedId();
    if (id === null) return 'wrongState';
    client.publish(toUtf8(topic), payload, { qos: 0, retain: retain === 1 }, noop);
    if (this.subscribedTo(topic)) this.answerComing();
    this.push(`+SMPUB: ${id},${AckStatus.ok}`);
    return id;
  }

  /** A request whose answer an in-process broker sends within the cycle: the wire may wait for it (Modem.expectAnswer). */
  private answerComing(): void {
    if (this.inProcess) this.modem.expectAnswer();
  }

  /** The broker will deliver a publish to `topic` back to the module: one of its filters matches. */
  private subscribedTo(topic: string): boolean {
    if (!this.inProcess) return false;
    for (const filter of this.subscriptions.keys()) if (topicMatches(filter, topic)) return true;
    return false;
  }

  /** Hands one request to mqtt.js and opens its record; `send` returns false on a bad topic. */
  private request(kind: RequestKind, send: () => boolean, topic?: string, qos?: number): number | MqttFailure {
    if (this.phase !== 'online' || !this.client) return 'wrongState';
    const before = this.ids.allocations;
    if (!send()) return 'invalidInput';
    // mqtt.js takes the id synchronously when connected; anything else is a state problem.
    const id = this.ids.allocations === before + 1 ? this.ids.getLastAllocated() : null;
    if (id === null) return 'wrongState';
    const slot: Slot = { line: null };
    this.outbox.push(slot);
    const timer = this.modem.clock.setTimeout(() => this.settle(id, kind, AckStatus.timeout), this.config.timeout * 1000);
    this.pending.set(id, { kind, slot, timer, topic, qos });
    return id;
  }

  // ---- what the broker sends ----------------------------------------------------------

  private onPacket(p: Packet): void {
    if (this.inProcess && (p.cmd === 'puback' || p.cmd === 'suback' || p.cmd === 'unsuback')) this.modem.answered();
    switch (p.cmd) {
      case 'puback':
        this.settle(p.messageId, 'PUB', AckStatus.ok);
        break;
      case 'suback':
        // 0x80 in SUBACK: the broker refused the subscription.
        this.settle(p.messageId, 'SUB', (p.granted as (number | { qos: number })[]).some((g) => (typeof g === 'number' ? g : g.qos) & 0x80) ? AckStatus.error : AckStatus.ok);
        break;
      case 'unsuback':
        this.settle(p.messageId, 'UNSUB', AckStatus.ok);
        break;
    }
  }

  private onMessage(topic: string, payload: Buffer, messageId: number): void {
    if (this.inProcess) this.modem.answered();
    const t = toLatin1(topic).slice(0, URC_TOPIC_MAX);
    this.push(`+SMPUBLISH: ${messageId},"${t}",${payload.length},"${payload.toString('latin1')}"`);
  }

  /** Settles a request exactly once; a late ack after a timeout finds no record. */
  private settle(id: number | undefined, kind: RequestKind, status: number): void {
    const p = id === undefined ? undefined : this.pending.get(id);
    if (!p || p.kind !== kind) return;
    this.modem.clock.clearTimeout(p.timer);
    this.pending.delete(id!);
    if (status === AckStatus.ok && p.topic !== undefined) {
      if (kind === 'SUB') this.subscriptions.set(p.topic, p.qos ?? 0);
      else this.subscriptions.delete(p.topic);
    }
    p.slot.line = `${ACK_URC[kind]}: ${id},${status}`;
    this.flush();
  }

  private push(line: string): void {
    // Nothing waits ahead of it: out at once, no place kept in the order.
    if (this.outbox.length === 0) this.modem.urcLine(line);
    else {
      this.outbox.push({ line });
      this.flush();
    }
  }

  /** Emits the ready URCs at the head of the order; stops at the first ack not yet known. */
  private flush(): void {
    while (this.outbox.length > 0 && this.outbox[0].line !== null) this.modem.urcLine(this.outbox.shift()!.line!);
  }

  /** Every open request fails (status 2), in request order. */
  private failPending(): void {
    for (const [id, p] of [...this.pending]) this.settle(id, p.kind, AckStatus.error);
  }

  // ---- losing the link --------------------------------------------------------------

  /** The broker went away (closed, socket error, keepalive): acks fail, then `+SMSTATE: 0`. */
  private linkLost(reason: string): void {
    this.log.info({ reason }, 'MQTT link lost');
    this.drop(this.client);
    this.client = null;
    this.phase = 'idle';
    this.failPending();
    this.modem.urc('+SMSTATE: 0');
  }

  bearerDown(cid: number): void {
    if (cid !== this.cid || this.phase === 'idle') return;
    if (this.phase === 'connecting') this.abortConnect?.('noBearer');
    else if (this.phase === 'online') this.linkLost(`bearer ${cid} down`);
    else this.client?.stream?.destroy(); // closing: disconnect() resolves on the close
  }

  /** Power down or restart: the device vanishes (no DISCONNECT, so the broker sends the will). */
  reset(): void {
    this.generation++;
    this.abortConnect?.('wrongState');
    this.drop(this.client);
    this.client = null;
    this.phase = 'idle';
    for (const p of this.pending.values()) this.modem.clock.clearTimeout(p.timer);
    this.pending.clear();
    this.outbox = [];
    this.subscriptions.clear();
    // SMCONF/SMSSL live in RAM on the module: a reboot brings the defaults back.
    this.config = defaultMqttConfig();
    this.ssl = 0;
  }

  /** Closes a connection without DISCONNECT. Our listeners stay, so late errors are caught. */
  private drop(client: MqttClient | null | undefined): void {
    if (!client) return;
    client.stream?.destroy();
    client.end(true);
  }

  private bearerUp(cid: number): boolean {
    return this.modem.bearers.get(cid)?.status === BearerStatus.connected;
  }
}
