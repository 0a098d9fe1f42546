/**
 * The cloud side of the broker: one mqtt.js client of our own on the broker every
 * module connection goes to (embedded or override). It publishes cloud-to-device
 * messages and records, subscribed to `#`, every message the broker routes: what the
 * firmware published, as the broker saw it. Its own messages come back to it too
 * (MQTT 3.1.1 has no no-local) and are marked `source: "cloud"`.
 */
import type * as Mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { C2dMessage } from './c2d';
import { InputError } from '../faults/params';
import { requireQuietly } from '../quietDebug';

export interface CloudMessage {
  /** Modem-clock milliseconds when the broker delivered it to us. */
  t: number;
  topic: string;
  /** The payload as latin1 text (one character per byte, as the AT side shows it). */
  payload: string;
  qos: number;
  retain: boolean;
  /** `cloud`: sent through c2d(); `device`: anyone else (the firmware). */
  source: 'device' | 'cloud';
}


/** MQTT filter matching (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

export class Cloud {
  private client: MqttClient | null = null;
  private connecting: Promise<MqttClient> | null = null;
  private readonly messages: CloudMessage[] = [];
  /** Our own c2d messages still to come back, by topic + payload. */
  private readonly echoes = new Map<string, number>();

  constructor(
    private readonly url: string | undefined,
    private readonly clock: Clock,
    private readonly log: Logger,
    readonly capacity = 10_000,
    /** What the broker asks of every client (the embedded broker with `brokerAuth`). */
    private readonly credentials?: { username: string; password: string },
  ) {}

  /** Why there is no cloud client, for the 400 that c2d()/start() answer. */
  unavailableReason = 'no broker to reach: with --broker direct the emulator does not know where the cloud is';

  get available(): boolean {
    return this.url !== undefined;
  }

  /** Connects (once) and subscribes to everything. */
  start(): Promise<MqttClient> {
    if (!this.url) return Promise.reject(new InputError(this.unavailableReason));
    this.connecting ??= (async () => {
      // mqtt.js is loaded only when the cloud connects: the emulator starts without it.
      const client = await requireQuietly<typeof Mqtt>('mqtt').connectAsync(this.url!, { protocolVersion: 4, reconnectPeriod: 1000, clientId: `sim800-emu-cloud-${process.pid}-${Date.now() % 100000}`, clean: true, ...this.credentials });
      client.on('error', (err) => this.log.debug({ err: err.message }, 'cloud client error'));
      client.on('message', (topic, payload, packet) => this.record(topic, payload, packet.qos, packet.retain));
      await client.subscribeAsync('#', { qos: 1 });
      this.client = client;
      return client;
    })();
    return this.connecting;
  }

  async c2d(m: C2dMessage): Promise<void> {
    const client = await this.start();
    const key = `${m.topic}\0${m.payload}`;
    this.echoes.set(key, (this.echoes.get(key) ?? 0) + 1);
    await client.publishAsync(m.topic, Buffer.from(m.payload, 'latin1'), { qos: m.qos ?? 1, retain: m.retain ?? false });
  }

  /** Recorded messages (filter `#` = all), from `since` (modem-clock ms) on. */
  published(opts: { topic?: string; source?: 'device' | 'cloud'; since?: number } = {}): CloudMessage[] {
    return this.messages.filter(
      (m) => (opts.topic === undefined || topicMatches(opts.topic, m.topic)) && (opts.source === undefined || m.source === opts.source) && m.t >= (opts.since ?? -Infinity),
    );
  }

  async stop(): Promise<void> {
    const c = this.client ?? (this.connecting ? await this.connecting.catch(() => null) : null);
    this.client = null;
    this.connecting = null;
    await c?.endAsync(true);
  }

  /** One message the broker saw (from our own subscription, or from the hub stand-in's events). */
  record(topic: string, payload: Buffer, qos: number, retain: boolean): void {
    const text = payload.toString('latin1');
    const key = `${topic}\0${text}`;
    const mine = this.echoes.get(key) ?? 0;
    if (mine > 0) {
      if (mine === 1) this.echoes.delete(key);
      else this.echoes.set(key, mine - 1);
    }
    this.messages.push({ t: this.clock.now(), topic, payload: text, qos, retain, source: mine > 0 ? 'cloud' : 'device' });
    if (this.messages.length > this.capacity) this.messages.splice(0, this.messages.length - this.capacity);
  }
}
