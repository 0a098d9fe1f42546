/**
 * The modem: its settings and NV profile, radio/SIM/registration, clock, bearers, and
 * the one URC queue (through the AT engine). Command handlers change it through the
 * methods here so that every transition emits the URCs the real module shows.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { AtEngine, type AtRecord } from '../at/engine';
import type { CommandContext, CommandTable } from '../at/command';
import type { Clock, TimerHandle } from '../clock';
import { systemClock } from '../clock';
import { silentLogger } from '../log';
import type { BrokerAddress, BrokerRouter } from '../net/routing';
import { PROFILES, Timing, type TimingProfile } from '../profile';
import { DEFAULT_SEED, seededRandom } from '../random';
import { BearerSet, BearerStatus, type Bearer } from './bearer';
import { DEFAULT_MODEM_CONFIG, type ModemConfig } from './config';
import { ModemClock } from './modemClock';
import { factorySettings, ProfileStore, type Settings } from './settings';
import { Uart, type UartOptions } from '../uart/uart';

export type SimState = 'READY' | 'NOT READY' | 'NOT INSERTED';

/** Where a transition's notices go: URCs, or information lines of the running command. */
export type Notice = (line: string) => void;

export interface ModemOptions {
  commands: CommandTable;
  config?: ModemConfig;
  profile?: TimingProfile;
  clock?: Clock;
  log?: Logger;
  stateDir?: string;
  /** Where AT+SMCONN dials for the configured URL; the URL as is when absent. */
  router?: BrokerRouter;
  /** Seeds the timing jitter (and nothing else: faults take their own streams). */
  seed?: number;
  /** The serial line: its format, and whether bytes to the DTE leave at the wire rate. */
  uart?: UartOptions;
}

/**
 * Where fault injection hooks into the module's two wires (src/faults/): the UART
 * (bytes from and to the DTE) and the MQTT link (the address a connection dials).
 */
export interface WireTap {
  /** Bytes from the DTE before the engine sees them; may change, hold or drop them. */
  rx(data: Buffer): Buffer;
  /** Bytes to the DTE; `send` puts them on the wire (now or later, or never). */
  tx(data: Buffer, send: (data: Buffer) => void): void;
}
/** Where a session connects: an address, or an in-memory stream (the embedded broker). */
export interface DialedLink extends BrokerAddress {
  /** When set, the session's connection is this stream instead of a socket to host:port. */
  stream?: () => Duplex;
}

export interface LinkDialer {
  /** The address to dial instead of `to` (a fault proxy in front of it), or a stream to use. */
  dial(to: BrokerAddress, timeoutMs: number): Promise<DialedLink>;
}

export interface ModemEvents {
  /** A bearer went down (closed by the DTE, dropped by the network, radio off). */
  bearerDown: [cid: number];
  /** The module is gone: power down or restart. Sessions must end without URCs. */
  reset: [];
  /**
   * Every PDP context goes down (detach, radio off). Families with contexts of their own
   * (the TCP/IP stack) deactivate them and set `active` so that one +PDP: DEACT is shown.
   */
  pdpDown: [report: { active: boolean }];
  /** One AT exchange or URC, for the AT log (control API, scenarios). */
  at: [record: AtRecord];
  /** A DTE attached to the wire. */
  attach: [];
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
  readonly engine: AtEngine;
  readonly bearers: BearerSet;
  readonly stateDir?: string;
  readonly router?: BrokerRouter;
  private readonly store: ProfileStore;
  private readonly timers = new Set<TimerHandle>();
  private sinkAttached = false;

  settings: Settings;
  powered = false;
  synced = false;
  frozen = false;
  cfun = 1;
  sim: SimState = 'NOT READY';
  /** +CREG / +CGREG <stat>: 0 not registered, 1 home, 2 searching, 5 roaming. */
  regStat = 0;
  attached = false;
  rssi: number;
  ber: number;
  /** What AT+CBC reads: the configured battery, or a fault's low supply. */
  battery: { bcs: number; bcl: number; voltage: number };
  /** The radio network is there (faults take it away). */
  networkAvailable = true;
  /** The network accepts PDP activation (a fault can refuse it while registered). */
  gprsAvailable = true;
  simInserted: boolean;
  /** Scratch space for command families that keep state (CIP status, FS, MQTT). */
  readonly ext: Record<string, unknown> = {};
  /** Fault hooks (src/faults/); null: bytes and connections pass untouched. */
  tap: WireTap | null = null;
  link: LinkDialer | null = null;

  constructor(opts: ModemOptions) {
    super();
    this.config = opts.config ?? DEFAULT_MODEM_CONFIG;
    this.profile = opts.profile ?? PROFILES.instant;
    this.timing = new Timing(this.profile, seededRandom(opts.seed ?? DEFAULT_SEED, 'timing'));
    this.clock = opts.clock ?? systemClock;
    this.uart = new Uart(opts.uart ?? {}, this.clock);
    this.log = opts.log ?? silentLogger;
    this.stateDir = opts.stateDir;
    this.router = opts.router;
    this.store = new ProfileStore(opts.stateDir);
    this.settings = this.store.load(factorySettings(this.config.ipr));
    this.rtc = new ModemClock(this.clock);
    this.rtc.tz = this.config.timezone;
    this.bearers = new BearerSet(this.config.ipPool);
    this.rssi = this.config.rssi;
    this.battery = { ...this.config.battery };
    this.ber = this.config.ber;
    this.simInserted = this.config.simInserted;
    const self = this; // the engine reads live state through getters
    this.engine = new AtEngine(
      opts.commands,
      {
        lineSettings: () => this.settings,
        get synced() {
          return self.synced;
        },
        markSynced: () => {
          this.synced = true;
        },
        get accepting() {
          return self.powered && !self.frozen;
        },
        get powered() {
          return self.powered;
        },
        commandDelay: () => this.timing.delay('commandMs'),
        record: (r) => this.emit('at', r),
        lineDone: () => this.uart.follow(this.settings.ipr),
      },
      (engine) => this.context(engine),
      this.clock,
      this.log,
    );
  }

  // ---- the wire ---------------------------------------------------------------------

  /**
   * Connects a DTE. One wire: a second attach throws. The module powers up when the
   * first DTE arrives (or when it was off), like a board switched on with its firmware.
   */
  attach(sink: (data: Buffer) => void, opts: { reset?: boolean } = {}): () => void {
    if (this.sinkAttached) throw new Error('a DTE is already attached to this modem');
    this.sinkAttached = true;
    const wire = this.uart.connect(sink);
    this.engine.setSink((data) => (this.tap ? this.tap.tx(data, wire.write) : wire.write(data)));
    if (opts.reset || !this.powered) this.powerOn();
    this.emit('attach');
    return () => {
      this.sinkAttached = false;
      this.engine.setSink(null);
      wire.close(); // bytes still waiting for the wire go nowhere
    };
  }

  get attachedDte(): boolean {
    return this.sinkAttached;
  }

  receive(data: Buffer): void {
    this.engine.receive(this.tap ? this.tap.rx(data) : data);
  }

  urc(...lines: string[]): void {
    if (this.powered) this.engine.urc(...lines);
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

  /** Power-up: profile from NV, then RDY (fixed rate only), +CFUN, +CPIN, registration. */
  powerOn(): void {
    this.cancelTimers();
    this.emit('reset');
    this.engine.resetLine();
    this.settings = this.store.load(factorySettings(this.config.ipr));
    this.uart.follow(this.settings.ipr);
    this.powered = true;
    this.frozen = false;
    this.synced = this.settings.ipr !== 0;
    this.cfun = 1;
    this.sim = 'NOT READY';
    this.regStat = 0;
    this.attached = false;
    this.bearers.reset();
    this.rtc.resetToEpoch();
    this.schedule(this.timing.delay('bootMs'), () => {
      this.urc('RDY');
      this.urc('+CFUN: 1');
      this.schedule(this.timing.delay('simReadyMs'), () => {
        this.initSim(this.urc.bind(this));
        this.schedule(this.timing.delay('registerMs'), () => this.networkUp());
      });
    });
  }

  /** AT+CFUN=1,1 and reboots: the module is gone for a moment, then powers up again. */
  restart(): void {
    this.cancelTimers();
    this.powered = false;
    this.emit('reset');
    this.engine.resetLine();
    this.schedule(this.timing.delay('restartMs'), () => this.powerOn());
  }

  /**
   * AT+CPOWD and power faults: the module stops answering until powered again. Its last
   * words (`NORMAL POWER DOWN`) go out at once, even in the middle of a command: that
   * command never answers.
   */
  powerDown(lastWords?: string): void {
    if (lastWords && this.powered && this.synced) this.engine.info([lastWords]);
    this.cancelTimers();
    this.emit('reset');
    this.engine.resetLine(); // a running command and queued URCs die with the power
    this.bearers.reset();
    this.powered = false;
    this.regStat = 0;
    this.attached = false;
  }

  // ---- SIM, functionality, registration ---------------------------------------------

  private initSim(notice: Notice): void {
    if (!this.simInserted) {
      this.sim = 'NOT INSERTED';
      notice('+CPIN: NOT INSERTED');
      return;
    }
    this.sim = 'READY';
    notice('+CPIN: READY');
  }

  /** SIM ready and radio on: register, then Call Ready / SMS Ready and network time. */
  private networkUp(): void {
    if (this.cfun !== 1 || this.sim !== 'READY') return;
    const urc = this.urc.bind(this);
    const wasRegistered = this.isRegistered;
    this.updateRegistration(urc, false);
    if (this.settings.ciurc === 1) this.urc('Call Ready');
    this.urc('SMS Ready');
    // Module logs show NITZ after the ready URCs: Call Ready, SMS Ready, *PSUTTZ, DST, +CIEV.
    if (this.isRegistered && !wasRegistered && this.settings.clts === 1) this.networkTime(urc);
  }

  /** AT+CFUN=<fun>: notices before OK go to `notice`; what follows later is URCs. */
  setFunctionality(fun: number, notice: Notice): void {
    const prev = this.cfun;
    if (fun === prev) return;
    this.cfun = fun;
    if (fun !== 1) {
      this.dropAllBearers(notice);
      if (fun === 0 && this.sim !== 'NOT READY') {
        if (this.sim === 'READY') notice('+CPIN: NOT READY');
        this.sim = 'NOT READY';
      }
      this.updateRegistration(notice);
      return;
    }
    if (this.sim === 'NOT READY') this.initSim(notice);
    this.schedule(this.timing.delay('registerMs'), () => this.networkUp());
  }

  /**
   * The SIM is pulled out or pushed back (a fault). Removal: `+CPIN: NOT READY` (manual
   * URC table), registration and bearers go; reinsertion: the SIM is read again
   * (`+CPIN: READY`), then registration, Call Ready, SMS Ready as at power-up.
   */
  setSimInserted(inserted: boolean): void {
    if (inserted === this.simInserted) return;
    this.simInserted = inserted;
    if (!this.powered || this.cfun === 0) return; // read again at power-up or CFUN=1
    const urc = this.urc.bind(this);
    if (!inserted) {
      if (this.sim === 'READY') urc('+CPIN: NOT READY');
      this.sim = 'NOT INSERTED';
      this.updateRegistration(urc);
      return;
    }
    this.initSim(urc);
    this.schedule(this.timing.delay('registerMs'), () => this.networkUp());
  }

  /** Recomputes registration and attach from radio, SIM and network; emits +CREG/+CGREG. */
  updateRegistration(notice: Notice, nitz = true): void {
    const canRegister = this.cfun === 1 && this.sim === 'READY';
    const stat = canRegister ? (this.networkAvailable ? 1 : 2) : 0;
    if (stat === this.regStat) return;
    const wasRegistered = this.isRegistered;
    this.regStat = stat;
    if (this.settings.cregN > 0) notice(this.cregLine('+CREG', this.settings.cregN, false));
    if (this.settings.cgregN > 0) notice(this.cregLine('+CGREG', this.settings.cgregN, false));
    if (this.isRegistered && !wasRegistered) {
      this.attached = true;
      if (nitz && this.settings.clts === 1) this.networkTime(notice);
    } else if (!this.isRegistered && wasRegistered) {
      this.setAttached(false, notice);
    }
  }

  get isRegistered(): boolean {
    return this.regStat === 1 || this.regStat === 5;
  }

  /** `+CREG: [<n>,]<stat>[,"<lac>","<ci>"]` for the read form (withN) or the URC. */
  cregLine(prefix: string, n: number, withN: boolean): string {
    const loc = n === 2 && this.isRegistered ? `,"${this.config.lac}","${this.config.ci}"` : '';
    return `${prefix}: ${withN ? `${n},` : ''}${this.regStat}${loc}`;
  }

  /** AT+CGATT=0/1 and registration loss. Detaching drops every open bearer. */
  setAttached(on: boolean, notice: Notice): boolean {
    if (on && !this.isRegistered) return false;
    if (!on) this.dropAllBearers(notice);
    this.attached = on;
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

  openBearer(b: Bearer): void {
    this.attached = true;
    b.status = BearerStatus.connected;
    b.ip = this.bearers.allocateIp();
  }

  /** The DTE closed it (AT+SAPBR=0): no URC. */
  closeBearer(b: Bearer): void {
    b.status = BearerStatus.closed;
    b.ip = '0.0.0.0';
    this.emit('bearerDown', b.cid);
  }

  /** The network or the radio took it: `+SAPBR <cid>: DEACT` (and `+PDP: DEACT`). */
  dropBearer(cid: number, notice: Notice = this.urc.bind(this)): boolean {
    const b = this.bearers.get(cid);
    if (!b || b.status !== BearerStatus.connected) return false;
    b.status = BearerStatus.closed;
    b.ip = '0.0.0.0';
    notice(`+SAPBR ${cid}: DEACT`);
    this.emit('bearerDown', cid);
    return true;
  }

  private dropAllBearers(notice: Notice): void {
    let any = false;
    for (const b of this.bearers.open()) any = this.dropBearer(b.cid, notice) || any;
    const report = { active: false };
    this.emit('pdpDown', report);
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

  private context(engine: AtEngine): CommandContext {
    return {
      modem: this,
      info: (...lines: string[]) => engine.info(lines),
      raw: (data) => engine.write(data),
      prompt: (size, timeoutMs) => engine.prompt(size, timeoutMs),
    };
  }
}
