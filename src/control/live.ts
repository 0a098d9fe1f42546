/**
 * What the control page and traces watch, kept from the start: the modem's timeline (one
 * entry each time a lane's value changes: power, SIM, registration, signal, bearer, MQTT,
 * TCP/IP, the DTE's attachment, and every fault injected or cleared) and the MQTT
 * messages the module's session sent and received. Both are bounded rings.
 *
 * It listens to the modem's `change` events (transitions, several in one turn coalesced
 * into one look a microtask later), its `mqtt` packets and the fault controller; nothing
 * here runs per AT byte or per command. A feed exists only for a modem whose control API
 * or trace is on.
 */
import { EventEmitter } from 'node:events';
import type { FaultController, FaultEvent } from '../faults/controller';
import { BearerStatus } from '../modem/bearer';
import { RegStat, type Modem, type MqttPacketEvent } from '../modem/modem';

/** The lanes of the timeline, in the chart's order. */
export const LANES = ['power', 'sim', 'registration', 'signal', 'bearer', 'mqtt', 'tcpip', 'dte'] as const;
export type Lane = (typeof LANES)[number];

export interface TimelineEntry {
  seq: number;
  /** Modem-clock milliseconds. */
  t: number;
  /** A state lane, or `fault` for an injection or a clear. */
  lane: Lane | 'fault';
  /** The lane's new value (`on`, `home`, `connected 10.0.0.2`, `online`…); for a fault, its name. */
  value: string;
  /** Faults: inject or clear, the parameters, and when an injected fault clears by itself. */
  action?: 'inject' | 'clear';
  params?: Record<string, unknown>;
  until?: number;
  /** An injection that was over at once (reboot; bearerDrop without a duration): no clear follows. */
  moment?: boolean;
}

export interface MessageEntry {
  seq: number;
  t: number;
  /** `out`: the device published it; `in`: the broker delivered it to the device. */
  dir: 'in' | 'out';
  topic: string;
  qos: number;
  retain: boolean;
  /** Latin1 text, cut (MQTT_PAYLOAD_SHOWN); `bytes` is the whole length. */
  payload: string;
  bytes: number;
  id?: number;
}

export interface LiveEvents {
  timeline: [TimelineEntry];
  message: [MessageEntry];
  mqtt: [MqttPacketEvent & { t: number }];
  /** Something changed (a lane, a fault, a packet): watchers may look at the whole state again. */
  touch: [];
}

const REG_NAMES: Record<number, string> = {
  [RegStat.notRegistered]: 'not registered',
  [RegStat.home]: 'home',
  [RegStat.searching]: 'searching',
  [RegStat.denied]: 'denied',
  [RegStat.unknown]: 'unknown',
  [RegStat.roaming]: 'roaming',
};

const BEARER_NAMES: Record<number, string> = {
  [BearerStatus.connecting]: 'connecting',
  [BearerStatus.connected]: 'connected',
  [BearerStatus.closing]: 'closing',
  [BearerStatus.closed]: 'closed',
};

/** Every lane's value now, read from the modem. */
export function laneValues(modem: Modem): Record<Lane, string> {
  const snap = modem.snapshots() as { mqtt?: { phase?: string }; tcpip?: { state?: string } };
  const power = modem.power === 'on' ? (modem.frozen ? 'frozen' : modem.cfun === 1 ? 'on' : `on, CFUN=${modem.cfun}`) : modem.power;
  const radio = modem.cfun === 1 && modem.networkAvailable;
  const bearers = modem.bearers
    .all()
    .filter((b) => b.status !== BearerStatus.closed)
    .map((b) => `${b.cid}: ${BEARER_NAMES[b.status] ?? b.status}${b.status === BearerStatus.connected ? ` ${b.ip}` : ''}`);
  return {
    power,
    sim: modem.powered ? modem.sim : '—',
    registration: REG_NAMES[modem.regStat] ?? String(modem.regStat),
    signal: modem.powered && radio ? String(modem.rssi) : '99',
    bearer: bearers.length ? bearers.join(', ') : 'closed',
    mqtt: snap.mqtt?.phase ?? 'idle',
    tcpip: snap.tcpip?.state ?? '',
    dte: modem.dteConnected ? 'attached' : 'detached',
  };
}

export class LiveFeed extends EventEmitter<LiveEvents> {
  private readonly timelineRing: TimelineEntry[] = [];
  private readonly messageRing: MessageEntry[] = [];
  private seq = 0;
  private current: Record<Lane, string>;
  private looking = false;

  constructor(
    readonly modem: Modem,
    faults: FaultController,
    readonly capacity = { timeline: 2000, messages: 500 },
  ) {
    super();
    this.current = laneValues(modem);
    const t = modem.clock.now();
    for (const lane of LANES) this.push(this.timelineRing, capacity.timeline, { seq: ++this.seq, t, lane, value: this.current[lane] });
    modem.on('change', () => this.scheduleLook());
    modem.on('mqtt', (p) => this.packet(p));
    faults.on('change', (e) => this.fault(e, faults));
  }

  /** Timeline entries after `since` (a seq), oldest first. */
  timeline(since = 0): TimelineEntry[] {
    return this.timelineRing.filter((e) => e.seq > since);
  }

  /** MQTT messages after `since`, oldest first. */
  messages(since = 0): MessageEntry[] {
    return this.messageRing.filter((e) => e.seq > since);
  }

  /** Each lane's value now (as last looked at). */
  lanes(): Record<Lane, string> {
    this.look();
    return { ...this.current };
  }

  private push<T>(ring: T[], capacity: number, e: T): void {
    ring.push(e);
    if (ring.length > capacity) ring.splice(0, ring.length - capacity);
  }

  private scheduleLook(): void {
    if (this.looking) return;
    this.looking = true;
    // Transitions come in bursts (a power-up sets power, SIM, registration, bearers in one
    // go): one look once the burst is over shows the state it ended in.
    queueMicrotask(() => this.look());
  }

  private look(): void {
    this.looking = false;
    const next = laneValues(this.modem);
    const t = this.modem.clock.now();
    let changed = false;
    for (const lane of LANES) {
      if (next[lane] === this.current[lane]) continue;
      changed = true;
      const e: TimelineEntry = { seq: ++this.seq, t, lane, value: next[lane] };
      this.push(this.timelineRing, this.capacity.timeline, e);
      this.emit('timeline', e);
    }
    this.current = next;
    if (changed) this.emit('touch');
  }

  private fault(ev: FaultEvent, faults: FaultController): void {
    // The fault's own transitions (a bearer dropped) come as changes of their own.
    const active = faults.list().find((f) => f.name === ev.name);
    const e: TimelineEntry = { seq: ++this.seq, t: ev.t, lane: 'fault', value: ev.name, action: ev.action, params: { ...ev.params } };
    if (ev.action === 'inject' && active?.until !== undefined) e.until = active.until;
    if (ev.action === 'inject' && !active) e.moment = true;
    this.push(this.timelineRing, this.capacity.timeline, e);
    this.emit('timeline', e);
    this.emit('touch');
  }

  private packet(p: MqttPacketEvent): void {
    const t = this.modem.clock.now();
    this.emit('mqtt', { ...p, t });
    if (p.type === 'publish' && p.topic !== undefined) {
      const m: MessageEntry = { seq: ++this.seq, t, dir: p.dir, topic: p.topic, qos: p.qos ?? 0, retain: p.retain ?? false, payload: p.payload ?? '', bytes: p.bytes ?? 0 };
      if (p.id !== undefined) m.id = p.id;
      this.push(this.messageRing, this.capacity.messages, m);
      this.emit('message', m);
    }
    // Acks change what is in flight, subscriptions change with SUBACK: the state is worth a look.
    this.emit('touch');
  }
}
