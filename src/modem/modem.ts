/**
 * The modem: its settings and NV profile, radio/SIM/registration, clock, bearers, and
 * the one URC queue (through the AT engine). Command handlers change it through the
 * methods here so that every transition emits the URCs the real module shows.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { AtEngine, AtRecord, EngineHost } from '../at/engine';
import type { CommandContext } from '../at/command';
import type { Clock, TimerHandle } from '../clock';
import { systemClock } from '../clock';
import { silentLogger } from '../log';
import type { Address } from '../address';
import type { BrokerRouter } from '../net/routing';
import { PROFILES, Timing, type TimingProfile } from '../profile';
import { DEFAULT_SEED, seededRandom } from '../random';
import { wireBytes, type Sink, type WireData } from '../uart/pacer';
import type { Uart } from '../uart/uart';
import { BearerSet, BearerStatus, type Bearer } from './bearer';
import { DEFAULT_MODEM_CONFIG, type ModemConfig } from './config';
import { FeatureStates, type Feature, type FeatureHooks, type FeatureRegistry, type Notice } from './feature';
import { ModemClock } from './modemClock';
import { factorySettings, ProfileStore, type Settings } from './settings';

export type { Notice } from './feature';

export type SimState = 'READY' | 'NOT READY' | 'NOT INSERTED';

/**
 * The module's power, one state machine: `off` (no supply, or AT+CPOWD), `booting` (from
 * power-on until the boot time has passed and RDY is due), `on`. A restart goes on → off
 * → booting → on.
 */
export type PowerState = 'off' | 'booting' | 'on';

/** +CREG / +CGREG <stat> (27.007 §7.2): the values the module reports. */
export const RegStat = { notRegistered: 0, home: 1, searching: 2, denied: 3, unknown: 4, roaming: 5 } as const;
export type RegStat = (typeof RegStat)[keyof typeof RegStat];

export interface ModemOptions {
  /** The serial line between the engine and every transport (made by the composition root). */
  uart: Uart;
  /** Makes the AT engine that reads this modem's input and frames its answers (the composition root's). */
  engine(host: EngineHost, context: (engine: AtEngine<Modem>) => CommandContext<Modem>): AtEngine<Modem>;
  /** The command families' per-modem state plug-ins (src/commands/index.ts). */
  features?: FeatureRegistry<Modem>;
  config?: ModemConfig;
  profile?: TimingProfile;
  clock?: Clock;
  log?: Logger;
  stateDir?: string;
  /** Where network connections go for the address firmware configured; the address as is when absent. */
  router?: BrokerRouter;
  /** Seeds the timing jitter (and nothing else: faults take their own streams). */
  seed?: number;
}

/** A family's state plug-in for this modem (see feature.ts). */
export function defineFeature<T extends object>(name: string, create: (modem: Modem) => T): Feature<T, Modem> {
  return { name, create };
}

/**
 * Where fault injection hooks into the module's two wires (src/faults/): the UART
 * (bytes from and to the DTE) and the MQTT link (the address a connection dials).
 */
export interface WireTap {
  /** Bytes from the DTE before the engine sees them; may change, hold or drop them. */
  rx(data: Buffer): Buffer;
  /** Bytes to the DTE; `send` puts them on the wire (now or later, or never). */
  tx(data: WireData, send: Sink): void;
}
/**
 * One MQTT packet of the module's session, as the control page and traces show it: its
 * type, id, topic and payload (latin1, cut at MQTT_PAYLOAD_SHOWN characters); a
 * CONNECT's password is never carried, only whether there was one.
 */
export interface MqttPacketEvent {
  /** `out`: the module sent it to the broker; `in`: the broker sent it. */
  dir: 'in' | 'out';
  type: string;
  id?: number;
  topic?: string;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  payload?: string;
  /** The payload's length in bytes (the whole of it, also when `payload` is cut). */
  bytes?: number;
  /** SUBSCRIBE/UNSUBSCRIBE: the filters; SUBACK: the granted QoS. */
  topics?: string[];
  granted?: number[];
  /** CONNECT: client id, user name, keepalive, clean session, whether a password was sent. */
  clientId?: string;
  username?: string;
  password?: boolean;
  keepalive?: number;
  clean?: boolean;
  /** CONNACK: its return code. */
  returnCode?: number;
}

/** What a packet event keeps of a payload (characters). */
export const MQTT_PAYLOAD_SHOWN = 1024;

/** Bytes on the DTE's wire: `rx` from the DTE (before any fault), `tx` to it (as it gets them). */
export type WireObserver = (dir: 'rx' | 'tx', data: Buffer) => void;

/** Where a session connects: an address, or an in-memory stream (the embedded broker). */
export interface DialedLink extends Address {
  /** When set, the session's connection is this stream instead of a socket to host:port. */
  stream?: () => Duplex;
  /** The far end is in this process (the embedded broker in memory): it answers within the event-loop cycle. */
  inProcess?: boolean;
}

export interface LinkDialer {
  /**
   * The address to dial instead of `to` (a fault proxy in front of it), or a stream to use.
   * `tls`: the caller speaks TLS over the address itself (it cannot take a stream).
   */
  dial(to: Address, timeoutMs: number, opts?: { tls?: boolean }): Promise<DialedLink>;
  /** What the faults do to HTTP requests (AT+HTTPACTION): refuse them, delay their responses. */
  readonly http?: HttpLinkFaults;
}

export interface HttpLinkFaults {
  /** New HTTP connections are refused. */
  down: boolean;
  /** A response reaches the module this much later (modem clock). */
  delayMs: number;
}

/**
 * What observers outside the command families see (the AT log, faults, scenarios). The
 * families themselves hear the lifecycle through their feature hooks.
 */
export interface ModemEvents {
  /** A bearer went down (closed by the DTE, dropped by the network, radio off). */
  bearerDown: [cid: number];
  /** The module is gone: power down or restart. Sessions must end without URCs. */
  reset: [];
  /** One AT exchange or URC, for the AT log (control API, scenarios). */
  at: [record: AtRecord];
  /** A DTE connected to the wire. */
  dteConnected: [];
  /**
   * Something an observer may show changed: power, freeze, radio, SIM, registration,
   * signal, a bearer, the DTE's attachment, the MQTT session's phase. No detail: a
   * listener reads what it wants (several can come in one turn of the event loop).
   */
  change: [];
  /** A packet of the module's MQTT session (sent only while someone listens). */
  mqtt: [packet: MqttPacketEvent];
}

/** Keeps AT records (control/atLog.ts): an AtRecord's fields, and the modem-clock time it came at. */
export interface AtRecorder {
  push(dir: AtRecord['dir'], line: string, final: string | undefined, info: readonly string[] | undefined, ms: number | undefined, t: number): void;
}

export class Modem extends EventEmitter<ModemEvents> {
  readonly config: ModemConfig;
  readonly profile: TimingProfile;
  /** The profile's delays with seeded jitter: every delay the module shows comes from here. */
  readonly timing: Timing;
  readonly clock: Clock;
  /** Between the engine's output and every transport: line rate (AT+IPR) and pacing. */
  readonly uart: Uart;
  readonly log: Logger;
  readonly rtc: ModemClock;
  readonly engine: AtEngine<Modem>;
  readonly bearers: BearerSet;
  readonly stateDir?: string;
  readonly router?: BrokerRouter;
  private readonly store: ProfileStore;
  private readonly timers = new Set<TimerHandle>();
  private readonly atRecorders: AtRecorder[] = [];
  private readonly features: FeatureStates<Modem>;
  private readonly registry: FeatureRegistry<Modem>;
  private hasDte = false;

  settings: Settings;
  private powerState: PowerState = 'off';
  synced = false;
  private isFrozen = false;
  cfun = 1;
  sim: SimState = 'NOT READY';
  private reg: RegStat = RegStat.notRegistered;
  /** GPRS attach (AT+CGATT): registered and attached to the packet domain. */
  gprsAttached = false;
  private signal: { rssi: number; ber: number };
  private supply: { bcs: number; bcl: number; voltage: number };
  private networkUp_ = true;
  private gprsUp = true;
  /** The boot sequence has yet to read the SIM (its timer runs); AT+CFUN=1 meanwhile leaves it to the boot. */
  private simReadPending = false;
  simInserted: boolean;
  /** Fault hooks (src/faults/); null: bytes and connections pass untouched. */
  tap: WireTap | null = null;
  /**
   * Answers due within this event-loop cycle from a peer in this process (the embedded
   * broker, in memory) to requests the lines of the DTE's last chunk made: a PUBACK, a
   * SUBACK, the delivery of a publish to the module's own subscription. A wire may hold
   * what the lines answered until these are in (two turns at most), so they leave in the
   * same write. Counted from 0 again at every chunk.
   */
  answersDue = 0;
  link: LinkDialer | null = null;
  /** Sees every byte each way on the DTE's wire (traces); null: nobody looks. */
  wireObserver: WireObserver | null = null;

  constructor(opts: ModemOptions) {
    super();
    this.config = opts.config ?? DEFAULT_MODEM_CONFIG;
    this.profile = opts.profile ?? PROFILES.instant;
    this.timing = new Timing(this.profile, seededRandom(opts.seed ?? DEFAULT_SEED, 'timing'));
    this.clock = opts.clock ?? systemClock;
    this.uart = opts.uart;
    this.log = opts.log ?? silentLogger;
    this.stateDir = opts.stateDir;
    this.router = opts.router;
    this.registry = opts.features ?? [];
    this.features = new FeatureStates<Modem>(this, this.registry);
    this.store = new ProfileStore(opts.stateDir);
    this.settings = this.store.load(factorySettings(this.config.ipr));
    this.rtc = new ModemClock(this.clock);
    this.rtc.tz = this.config.timezone;
    this.bearers = new BearerSet(this.config.ipPool);
    this.signal = { rssi: this.config.rssi, ber: this.config.ber };
    this.supply = { ...this.config.battery };
    this.simInserted = this.config.simInserted;
    this.engine = opts.engine(this.engineHost(), (engine) => this.context(engine));
  }

  /** A family's per-modem state, made on first use (the feature must be registered). */
  feature<T extends object>(f: Feature<T, Modem>): T {
    return this.features.get(f);
  }

  /** Every family's snapshot() by feature name, for the control API's state (states are made as needed). */
  snapshots(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.registry) {
      const v = (this.features.get(f) as FeatureHooks).snapshot?.();
      if (v !== undefined) out[f.name] = v;
    }
    return out;
  }

  /** What the engine reads of the modem: live state, through getters. */
  private engineHost(): EngineHost {
    return new ModemEngineHost(this);
  }

  // ---- the wire ---------------------------------------------------------------------

  /**
   * Connects a DTE. One wire: a second DTE throws. The module powers up when the
   * first DTE arrives (or when it was off), like a board switched on with its firmware.
   */
  connectDte(sink: Sink, opts: { reset?: boolean } = {}): () => void {
    if (this.hasDte) throw new Error('a DTE is already attached to this modem');
    this.hasDte = true;
    const wire = this.uart.connect(sink);
    // The observer sees what leaves for the DTE after the faults' tap (garbled, or held by a freeze until the thaw).
    const send = (data: WireData) => {
      if (this.wireObserver !== null) this.wireObserver('tx', wireBytes(data));
      wire.write(data);
    };
    this.engine.setSink((data) => (this.tap ? this.tap.tx(data, send) : send(data)));
    if (opts.reset || this.powerState === 'off') this.powerOn();
    this.emit('dteConnected');
    this.emit('change');
    return () => {
      this.hasDte = false;
      this.engine.setSink(null);
      wire.close(); // bytes still waiting for the wire go nowhere
      this.emit('change');
    };
  }

  get dteConnected(): boolean {
    return this.hasDte;
  }

  /**
   * Takes every AT record from now on, with the modem-clock time it came at (the AT log):
   * in fields rather than as an object, which only the 'at' event's listeners get.
   */
  addAtRecorder(r: AtRecorder): void {
    this.atRecorders.push(r);
  }

  /** One AT exchange or URC: to the recorders, and to the 'at' event when it has listeners. */
  recordAt(dir: AtRecord['dir'], line: string, final?: string, info?: readonly string[], ms?: number): void {
    if (this.atRecorders.length > 0) {
      const t = this.clock.now();
      for (const r of this.atRecorders) r.push(dir, line, final, info, ms, t);
    }
    if (this.listenerCount('at') > 0) this.emit('at', dir === 'cmd' ? { dir, line, final, info, ms } : { dir, line });
  }

  /** Bytes from the DTE; `lent`: the wire's read buffer, the caller's again on return (AtEngine.receive). */
  receive(data: Buffer, lent = false): void {
    this.answersDue = 0;
    if (this.wireObserver !== null) this.wireObserver('rx', data);
    this.engine.receive(this.tap ? this.tap.rx(data) : data, lent);
  }

  urc(...lines: string[]): void {
    if (this.powerState !== 'off') this.engine.urc(...lines);
  }

  /** An in-process answer is due this cycle (answersDue). */
  expectAnswer(): void {
    this.answersDue++;
  }

  /** An in-process answer came (before its URC is raised, so a wire holding for it sees none due). */
  answered(): void {
    if (this.answersDue > 0) this.answersDue--;
  }

  /** One URC line (urc() for one, without the array). */
  urcLine(line: string): void {
    if (this.powerState !== 'off') this.engine.urcLine(line);
  }

  /** Unframed unsolicited bytes (network data pushed to the DTE), queued like URCs. */
  urcBytes(bytes: Buffer): void {
    if (this.powerState !== 'off' && this.synced) this.engine.urcBytes(bytes);
  }

  /**
   * Data mode (transparent TCP/IP): while a sink is set and no command line runs, the DTE's
   * bytes go to it instead of the AT parser; null goes back to command mode.
   */
  setDataSink(sink: ((bytes: Buffer) => void) | null): void {
    this.engine.setDataSink(sink);
  }

  /** One URC made of several lines in a single block (`+CMT: …` and the message text). */
  urcBlock(lines: string[]): void {
    if (this.powerState !== 'off') this.engine.urcBlock(lines);
  }

  // ---- timers ---------------------------------------------------------------------

  /** Runs fn after ms on the modem's clock; 0 runs it now (the instant profile). */
  schedule(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, ms);
    this.timers.add(h);
  }

  private cancelTimers(): void {
    for (const h of this.timers) this.clock.clearTimeout(h);
    this.timers.clear();
  }

  // ---- power ----------------------------------------------------------------------

  get power(): PowerState {
    return this.powerState;
  }

  /** The module has supply (booting or on): it finishes a line it runs, URCs can be raised. */
  get powered(): boolean {
    return this.powerState !== 'off';
  }

  /** Every power transition goes through here: one place, logged. */
  private setPower(next: PowerState): void {
    if (next === this.powerState) return;
    this.log.debug({ from: this.powerState, to: next }, 'power');
    this.powerState = next;
    this.emit('change');
  }

  /** The module is gone (power down, restart): timers, the running line and queued URCs die; every family resets. */
  private lose(): void {
    this.cancelTimers();
    this.simReadPending = false;
    this.emit('reset');
    this.features.each((f) => f.reset?.());
    this.engine.resetLine();
  }

  /** Power-up: profile from NV, then RDY (fixed rate only), +CFUN, +CPIN, registration. */
  powerOn(): void {
    this.lose();
    this.settings = this.store.load(factorySettings(this.config.ipr));
    this.uart.follow(this.settings.ipr);
    this.setPower('booting');
    this.isFrozen = false;
    this.synced = this.settings.ipr !== 0;
    this.cfun = 1;
    this.sim = 'NOT READY';
    this.setRegistration(RegStat.notRegistered);
    this.gprsAttached = false;
    this.bearers.reset();
    this.rtc.resetToEpoch();
    this.simReadPending = true;
    this.schedule(this.timing.delay('bootMs'), () => {
      this.setPower('on');
      this.urc('RDY');
      this.urc('+CFUN: 1');
      this.schedule(this.timing.delay('simReadyMs'), () => {
        this.simReadPending = false;
        // AT+CFUN=0 sent since RDY switched the SIM off: it stays NOT READY until CFUN=1.
        if (this.cfun === 0 || this.sim !== 'NOT READY') return;
        this.initSim(this.urc.bind(this));
        this.schedule(this.timing.delay('registerMs'), () => this.networkUp());
      });
    });
  }

  /** AT+CFUN=1,1 and reboots: the module is gone for a moment, then powers up again. */
  restart(): void {
    this.setPower('off');
    this.lose();
    this.schedule(this.timing.delay('restartMs'), () => this.powerOn());
  }

  /**
   * AT+CPOWD and power faults: the module stops answering until powered again. Its last
   * words (`NORMAL POWER DOWN`) go out at once, even in the middle of a command: that
   * command never answers.
   */
  powerDown(lastWords?: string): void {
    if (lastWords && this.powered && this.synced) this.engine.info([lastWords]);
    this.lose(); // a running command and queued URCs die with the power
    this.bearers.reset();
    this.setPower('off');
    this.setRegistration(RegStat.notRegistered);
    this.gprsAttached = false;
  }

  // ---- what faults change: the module's surroundings -----------------------------------

  /** Input is ignored and output held (faults/wire.ts holds it) until thawed. */
  get frozen(): boolean {
    return this.isFrozen;
  }

  setFrozen(on: boolean): void {
    if (on === this.isFrozen) return;
    this.log.debug({ frozen: on }, 'freeze');
    this.isFrozen = on;
    this.emit('change');
  }

  /** The radio network is there; without it the module searches (+CREG: 2) and loses its bearers. */
  get networkAvailable(): boolean {
    return this.networkUp_;
  }

  setNetworkAvailable(on: boolean): void {
    this.networkUp_ = on;
    if (this.powered) this.updateRegistration(this.urc.bind(this));
  }

  /** The network accepts PDP activation (a fault can refuse it while registered). */
  get gprsAvailable(): boolean {
    return this.gprsUp;
  }

  setGprsAvailable(on: boolean): void {
    this.gprsUp = on;
  }

  get rssi(): number {
    return this.signal.rssi;
  }

  get ber(): number {
    return this.signal.ber;
  }

  /** What AT+CSQ reads; null: the configured figures. */
  setSignal(v: { rssi: number; ber: number } | null): void {
    this.signal = v ? { ...v } : { rssi: this.config.rssi, ber: this.config.ber };
    this.emit('change');
  }

  /** What AT+CBC reads: the configured battery, or a fault's low supply. */
  get battery(): { bcs: number; bcl: number; voltage: number } {
    return this.supply;
  }

  /** A supply dip (not charging, these figures); null: the configured battery. */
  setBattery(v: { voltage: number; bcl: number } | null): void {
    this.supply = v ? { ...this.config.battery, bcs: 0, ...v } : { ...this.config.battery };
  }

  // ---- SIM, functionality, registration ---------------------------------------------

  private initSim(notice: Notice): void {
    this.sim = this.simInserted ? 'READY' : 'NOT INSERTED';
    this.emit('change');
    notice(`+CPIN: ${this.sim}`);
  }

  /** SIM ready and radio on: register, then Call Ready / SMS Ready and network time. */
  private networkUp(): void {
    if (this.cfun !== 1 || this.sim !== 'READY') return;
    const urc = this.urc.bind(this);
    const wasRegistered = this.isRegistered;
    this.updateRegistration(urc, false);
    if (this.settings.ciurc === 1) this.urc('Call Ready');
    this.urc('SMS Ready');
    this.features.each((f) => f.networkReady?.());
    // Module logs show NITZ after the ready URCs: Call Ready, SMS Ready, *PSUTTZ, DST, +CIEV.
    if (this.isRegistered && !wasRegistered && this.settings.clts === 1) this.networkTime(urc);
  }

  /** AT+CFUN=<fun>: notices before OK go to `notice`; what follows later is URCs. */
  setFunctionality(fun: number, notice: Notice): void {
    const prev = this.cfun;
    if (fun === prev) return;
    this.cfun = fun;
    this.emit('change');
    if (fun !== 1) {
      this.dropAllBearers(notice);
      if (fun === 0 && this.sim !== 'NOT READY') {
        if (this.sim === 'READY') notice('+CPIN: NOT READY');
        this.sim = 'NOT READY';
        this.emit('change');
      }
      this.updateRegistration(notice);
      return;
    }
    if (this.sim === 'NOT READY' && !this.simReadPending) this.initSim(notice);
    this.schedule(this.timing.delay('registerMs'), () => this.networkUp());
  }

  /**
   * The SIM is pulled out or pushed back (a fault). With AT+CSMINS=1 the holder's switch
   * reports it first (`+CSMINS: 1,<inserted>`, at any CFUN: the detection is the module's,
   * not the SIM's). Removal: `+CPIN: NOT READY` (manual URC table), registration and
   * bearers go; reinsertion: the SIM is read again (`+CPIN: READY`), then registration,
   * Call Ready, SMS Ready as at power-up. Order and reasons: docs/decisions.md.
   */
  setSimInserted(inserted: boolean): void {
    if (inserted === this.simInserted) return;
    this.simInserted = inserted;
    if (this.powerState === 'on' && this.settings.csmins === 1) this.urc(`+CSMINS: 1,${inserted ? 1 : 0}`);
    if (!this.powered || this.cfun === 0) return; // read again at power-up or CFUN=1
    const urc = this.urc.bind(this);
    if (!inserted) {
      if (this.sim === 'READY') urc('+CPIN: NOT READY');
      this.sim = 'NOT INSERTED';
      this.emit('change');
      this.updateRegistration(urc);
      return;
    }
    this.initSim(urc);
    this.schedule(this.timing.delay('registerMs'), () => this.networkUp());
  }

  /** +CREG / +CGREG <stat> now. */
  get regStat(): RegStat {
    return this.reg;
  }

  /** Every registration transition goes through here: one place, logged. */
  private setRegistration(next: RegStat): void {
    if (next === this.reg) return;
    this.log.debug({ from: this.reg, to: next }, 'registration');
    this.reg = next;
    this.emit('change');
  }

  /** Recomputes registration and attach from radio, SIM and network; emits +CREG/+CGREG. */
  updateRegistration(notice: Notice, nitz = true): void {
    const canRegister = this.cfun === 1 && this.sim === 'READY';
    const stat = canRegister ? (this.networkAvailable ? RegStat.home : RegStat.searching) : RegStat.notRegistered;
    if (stat === this.reg) return;
    const wasRegistered = this.isRegistered;
    this.setRegistration(stat);
    if (this.settings.cregN > 0) notice(this.cregLine('+CREG', this.settings.cregN, false));
    if (this.settings.cgregN > 0) notice(this.cregLine('+CGREG', this.settings.cgregN, false));
    if (this.isRegistered && !wasRegistered) {
      this.gprsAttached = true;
      if (nitz && this.settings.clts === 1) this.networkTime(notice);
    } else if (!this.isRegistered && wasRegistered) {
      this.setGprsAttached(false, notice);
    }
  }

  get isRegistered(): boolean {
    return this.reg === RegStat.home || this.reg === RegStat.roaming;
  }

  /** `+CREG: [<n>,]<stat>[,"<lac>","<ci>"]` for the read form (withN) or the URC. */
  cregLine(prefix: string, n: number, withN: boolean): string {
    const loc = n === 2 && this.isRegistered ? `,"${this.config.lac}","${this.config.ci}"` : '';
    return `${prefix}: ${withN ? `${n},` : ''}${this.reg}${loc}`;
  }

  /** AT+CGATT=0/1 and registration loss. Detaching drops every open bearer. */
  setGprsAttached(on: boolean, notice: Notice): boolean {
    if (on && !this.isRegistered) return false;
    if (!on) this.dropAllBearers(notice);
    this.gprsAttached = on;
    return true;
  }

  /** NITZ after registration with AT+CLTS=1: the clock is set and the module says so. */
  private networkTime(notice: Notice): void {
    const tz = this.config.timezone;
    const now = this.clock.wallNow();
    this.rtc.setFromNetwork(now, tz);
    const d = new Date(now);
    const tzs = `${tz < 0 ? '-' : '+'}${String(Math.abs(tz)).padStart(2, '0')}`;
    notice(
      `*PSUTTZ: ${d.getUTCFullYear()},${d.getUTCMonth() + 1},${d.getUTCDate()},${d.getUTCHours()},${d.getUTCMinutes()},${d.getUTCSeconds()},"${tzs}",${this.config.dst}`,
    );
    notice(`DST: ${this.config.dst}`);
    notice(`+CIEV: 10,"${this.config.mcc}${this.config.mnc}","${this.config.operatorLong}","${this.config.operatorShort}", 0, 0`);
  }

  // ---- bearer ---------------------------------------------------------------------

  /** Why a bearer cannot open now, or null when it can. */
  bearerBlocker(): 'radio' | 'sim' | 'network' | null {
    if (this.cfun !== 1) return 'radio';
    if (this.sim !== 'READY') return 'sim';
    // No attach needed: activating a context attaches first (27.007 10.1.10), which is
    // what lets TinyGSM open the bearer right after its own AT+CGATT=0.
    if (!this.isRegistered || !this.gprsAvailable) return 'network';
    return null;
  }

  /** Every bearer transition goes through here: one place, logged. */
  private setBearerStatus(b: Bearer, next: BearerStatus): void {
    if (b.status === next) return;
    this.log.debug({ cid: b.cid, from: b.status, to: next }, 'bearer');
    b.status = next;
    if (next === BearerStatus.closed) b.ip = '0.0.0.0';
    this.emit('change');
  }

  /**
   * AT+SAPBR=1: the context is connecting for the profile's activation time, then up, or
   * back to closed when the radio, SIM or network does not allow it (the blocker is returned).
   */
  async openBearer(b: Bearer): Promise<'radio' | 'sim' | 'network' | null> {
    this.setBearerStatus(b, BearerStatus.connecting);
    await this.clock.sleep(this.timing.delay('bearerOpenMs'));
    const blocker = this.bearerBlocker();
    if (blocker !== null) {
      this.setBearerStatus(b, BearerStatus.closed);
      return blocker;
    }
    this.gprsAttached = true;
    b.ip = this.bearers.allocateIp();
    this.setBearerStatus(b, BearerStatus.connected);
    return null;
  }

  /** The DTE closed it (AT+SAPBR=0): closing for the profile's time, then closed; no URC. */
  async closeBearer(b: Bearer): Promise<void> {
    this.setBearerStatus(b, BearerStatus.closing);
    await this.clock.sleep(this.timing.delay('bearerCloseMs'));
    this.setBearerStatus(b, BearerStatus.closed);
    this.bearerWentDown(b.cid);
  }

  /** The network or the radio took it: `+SAPBR <cid>: DEACT` (and `+PDP: DEACT`). */
  dropBearer(cid: number, notice: Notice = this.urc.bind(this)): boolean {
    const b = this.bearers.get(cid);
    if (!b || b.status !== BearerStatus.connected) return false;
    this.setBearerStatus(b, BearerStatus.closed);
    notice(`+SAPBR ${cid}: DEACT`);
    this.bearerWentDown(cid);
    return true;
  }

  /**
   * The network deactivates PDP context `cid` (0: every one), as the bearerDrop fault does:
   * its SAPBR bearer (`+SAPBR <cid>: DEACT`) and whatever else rode on it; `+PDP: DEACT`
   * when a family had it active (the TCP/IP stack, a CGACT activation).
   */
  dropContext(cid: number, notice: Notice = this.urc.bind(this)): void {
    for (const b of this.bearers.open()) if (cid === 0 || b.cid === cid) this.dropBearer(b.cid, notice);
    const report = { active: false };
    this.features.each((f) => f.contextDown?.(cid, report, notice));
    if (report.active) notice('+PDP: DEACT');
  }

  private bearerWentDown(cid: number): void {
    this.emit('bearerDown', cid);
    this.features.each((f) => f.bearerDown?.(cid));
  }

  private dropAllBearers(notice: Notice): void {
    let any = false;
    for (const b of this.bearers.open()) any = this.dropBearer(b.cid, notice) || any;
    const report = { active: false };
    this.features.each((f) => f.pdpDown?.(report, notice));
    if (any || report.active) notice('+PDP: DEACT');
  }

  // ---- profile --------------------------------------------------------------------

  saveProfile(): void {
    this.store.save(this.settings);
  }

  loadProfile(): void {
    const uart = { ipr: this.settings.ipr, csclk: this.settings.csclk };
    this.settings = { ...this.store.load(factorySettings(this.config.ipr)), ...uart };
  }

  factoryReset(): void {
    const uart = { ipr: this.settings.ipr, csclk: this.settings.csclk };
    this.settings = { ...factorySettings(this.config.ipr), ...uart };
  }

  // ---- command context ----------------------------------------------------------------

  private context(engine: AtEngine<Modem>): CommandContext<Modem> {
    return {
      modem: this,
      info: (...lines: string[]) => engine.info(lines),
      raw: (data) => engine.write(data),
      prompt: (size, timeoutMs, opts) => engine.prompt(size, timeoutMs, opts),
      collect: (opts) => engine.collect(opts),
    };
  }
}

/**
 * The engine's view of a modem: live state through getters on the prototype, so each
 * modem holds one small object here rather than a literal with seven closures (a fleet
 * has thousands of modems).
 */
class ModemEngineHost implements EngineHost {
  constructor(private readonly modem: Modem) {}

  lineSettings(): Settings {
    return this.modem.settings;
  }

  get synced(): boolean {
    return this.modem.synced;
  }

  markSynced(): void {
    this.modem.synced = true;
  }

  // Until it has booted the module reads nothing: no answer, not even an error.
  get accepting(): boolean {
    return this.modem.power === 'on' && !this.modem.frozen;
  }

  get powered(): boolean {
    return this.modem.powered;
  }

  commandDelay(): number {
    return this.modem.timing.delay('commandMs');
  }

  record(dir: AtRecord['dir'], line: string, final?: string, info?: readonly string[], ms?: number): void {
    this.modem.recordAt(dir, line, final, info, ms);
  }

  lineDone(): void {
    this.modem.uart.follow(this.modem.settings.ipr);
  }
}
