/**
 * A modem's voice calls and USSD session (docs/sms.md, "Calls" and "USSD"): one call at a
 * time, incoming from the control API (RING every ringIntervalMs, +CLIP, the caller giving
 * up or hanging up) or outgoing with ATD (dialling, alerting, then the outcome the control
 * API set or decides), and the USSD table the network answers from.
 */
import type { TimerHandle } from '../../clock';
import type { Modem } from '../../modem/modem';

export type CallState = 'dialling' | 'alerting' | 'incoming' | 'active' | 'ended';
export type EndedBy = 'device' | 'caller' | 'far-end' | 'busy' | 'no-answer' | 'unreachable';
export type Outcome = 'answer' | 'busy' | 'no-answer' | 'unreachable';
export const OUTCOMES: readonly Outcome[] = ['answer', 'busy', 'no-answer', 'unreachable'];

export interface Call {
  id: string;
  dir: 'in' | 'out';
  number: string;
  toa: number;
  withheld: boolean;
  state: CallState;
  rings: number;
  dtmf: string;
  startedAt: string;
  /** The modem's clock at the start (the AT log's time base). */
  t: number;
  endedAt?: string;
  endedBy?: EndedBy;
}

export interface RingOptions {
  number: string;
  withheld: boolean;
  ringIntervalMs: number;
  giveUpAfterMs: number;
  hangUpAfterMs?: number;
}

export interface DialRule {
  to: string;
  outcome: Outcome;
  afterMs: number;
  hangUpAfterMs?: number;
}

export interface UssdEntry {
  code: string;
  reply: string;
  status: number;
  dcs: number;
}

/** <stat> of +CLCC (27.007 §7.18; 6 is SIMCom's "disconnect"). */
const CLCC_STAT: Record<CallState, number> = { active: 0, dialling: 2, alerting: 3, incoming: 4, ended: 6 };
/** The network gives up on an unanswered outgoing call (TinyGSM's callNumber waits 60 s). */
export const NO_ANSWER_MS = 60_000;

export class Calls {
  clip = 0;
  colp = 0;
  crc = 0;
  clcc = 0;
  gsmbusy = 0;
  moring = 0;
  vtd = 1;
  cusd = 0;
  readonly history: Call[] = [];
  private current: Call | null = null;
  private timers: TimerHandle[] = [];
  private readonly rules: DialRule[] = [];
  /** Resolves a waiting ATD (AT+COLP=1) with its outcome. */
  private waiter: ((o: Outcome | 'far-end') => void) | null = null;
  private nextId = 1;
  /** How long the caller of the ringing call stays once answered (POST /call hangUpAfterMs). */
  private callerStays: number | undefined;
  readonly ussdTable = new Map<string, UssdEntry>();
  readonly ussdRequests: { code: string; time: string; answered: boolean }[] = [];
  ussdSession = false;

  constructor(private readonly modem: Modem) {
    for (const [code, reply] of Object.entries(modem.config.ussd)) this.ussdTable.set(code, { code, reply, status: 0, dcs: 15 });
  }

  /** Power loss: the call is gone (nobody is told: the module is off), settings back to defaults. */
  reset(): void {
    this.clearTimers();
    if (this.current) this.finish(this.current, 'device', false);
    this.waiter = null;
    this.clip = this.colp = this.crc = this.clcc = this.gsmbusy = this.moring = this.cusd = 0;
    this.vtd = 1;
    this.ussdSession = false;
  }

  snapshot(): unknown {
    return { current: this.current, calls: this.history.length };
  }

  get call(): Call | null {
    return this.current;
  }

  private now(): string {
    return new Date(this.modem.clock.wallNow()).toISOString();
  }

  private later(ms: number, fn: () => void): void {
    const h = this.modem.clock.setTimeout(() => {
      this.timers = this.timers.filter((t) => t !== h);
      fn();
    }, ms);
    this.timers.push(h);
  }

  private clearTimers(): void {
    for (const h of this.timers) this.modem.clock.clearTimeout(h);
    this.timers = [];
  }

  private reachable(): boolean {
    const m = this.modem;
    return m.powered && m.isRegistered && m.sim === 'READY';
  }

  clccLine(c: Call): string {
    return `+CLCC: 1,${c.dir === 'out' ? 0 : 1},${CLCC_STAT[c.state]},0,0,"${c.withheld ? '' : c.number}",${c.withheld ? 128 : c.toa},""`;
  }

  private reportState(c: Call): void {
    if (this.clcc === 1) this.modem.urc(this.clccLine(c));
  }

  private finish(c: Call, by: EndedBy, report: boolean): void {
    c.state = 'ended';
    c.endedBy = by;
    c.endedAt = this.now();
    if (this.current === c) this.current = null;
    this.clearTimers();
    if (report) this.reportState(c);
  }

  // ---- incoming ---------------------------------------------------------------------

  ring(o: RingOptions): Call {
    const c: Call = { id: String(this.nextId++), dir: 'in', number: o.number, toa: o.number.startsWith('+') ? 145 : 129, withheld: o.withheld, state: 'incoming', rings: 0, dtmf: '', startedAt: this.now(), t: this.modem.clock.now() };
    this.history.push(c);
    // Nobody home, calls barred (AT+GSMBUSY) or a call already up: the caller hears busy.
    if (!this.reachable() || this.gsmbusy !== 0 || this.current) {
      c.state = 'ended';
      c.endedBy = 'busy';
      c.endedAt = this.now();
      return c;
    }
    this.current = c;
    this.callerStays = o.hangUpAfterMs;
    this.ringOnce(c, o);
    this.later(o.giveUpAfterMs, () => {
      if (c.state === 'incoming') this.hangUpRemote(c, 'caller');
    });
    return c;
  }

  private ringOnce(c: Call, o: RingOptions): void {
    if (c.state !== 'incoming') return;
    c.rings++;
    this.modem.urc(this.crc === 1 ? '+CRING: VOICE' : 'RING');
    if (this.clip === 1) this.modem.urc(c.withheld ? '+CLIP: "",128,"",0,"",1' : `+CLIP: "${c.number}",${c.toa},"",0,"",0`);
    if (c.rings === 1) this.reportState(c);
    const s0 = this.modem.settings.s0;
    if (s0 > 0 && c.rings >= s0) {
      this.answer();
      return;
    }
    this.later(o.ringIntervalMs, () => this.ringOnce(c, o));
  }

  /** ATA (or auto-answer): false when no call is ringing. */
  answer(): boolean {
    const c = this.current;
    if (!c || c.state !== 'incoming') return false;
    this.clearTimers();
    c.state = 'active';
    this.reportState(c);
    const stay = this.callerStays;
    if (stay !== undefined) this.later(stay, () => this.hangUpRemote(c, 'caller'));
    return true;
  }

  /** The other side ends: NO CARRIER. */
  hangUpRemote(c: Call, by: EndedBy): void {
    if (c.state === 'ended') return;
    const waiting = this.waiter;
    this.waiter = null;
    this.finish(c, by, true);
    if (waiting) waiting('far-end');
    else this.modem.urc('NO CARRIER');
  }

  /** ATH, AT+CHUP: the firmware ends whatever call there is. */
  hangUpLocal(): void {
    const c = this.current;
    if (!c) return;
    this.waiter?.('far-end');
    this.waiter = null;
    this.finish(c, 'device', true);
  }

  // ---- outgoing -----------------------------------------------------------------------

  addRule(r: DialRule): void {
    this.rules.push(r);
  }

  /** ATD<number>;: the call is set up; the promise settles with its outcome (for AT+COLP=1). */
  dial(number: string): { call: Call; outcome: Promise<Outcome | 'far-end'> } | null {
    if (!this.reachable() || this.current) return null;
    const c: Call = { id: String(this.nextId++), dir: 'out', number, toa: number.startsWith('+') ? 145 : 129, withheld: false, state: 'dialling', rings: 0, dtmf: '', startedAt: this.now(), t: this.modem.clock.now() };
    this.history.push(c);
    this.current = c;
    const i = this.rules.findIndex((r) => r.to === number || r.to === '*');
    const rule = i >= 0 ? this.rules.splice(i, 1)[0] : null;
    const outcome = new Promise<Outcome | 'far-end'>((resolve) => {
      this.waiter = resolve;
    });
    this.later(this.modem.timing.delay('alertMs'), () => {
      if (c.state !== 'dialling') return;
      c.state = 'alerting';
      if (this.moring === 1) this.modem.urc('MO RING');
      this.reportState(c);
      if (rule) this.later(rule.afterMs, () => this.decide(c, rule.outcome, rule.hangUpAfterMs));
      else this.later(NO_ANSWER_MS, () => this.decide(c, 'no-answer'));
    });
    return { call: c, outcome };
  }

  /** The far end's answer to an outgoing call (a rule, the control API, or the network's timeout). */
  decide(c: Call, o: Outcome, hangUpAfterMs?: number): void {
    if (c.dir !== 'out' || (c.state !== 'dialling' && c.state !== 'alerting')) return;
    this.clearTimers();
    const waiting = this.waiter;
    this.waiter = null;
    if (o === 'answer') {
      c.state = 'active';
      if (this.moring === 1 && !waiting) this.modem.urc('MO CONNECTED');
      this.reportState(c);
      if (hangUpAfterMs !== undefined) this.later(hangUpAfterMs, () => this.hangUpRemote(c, 'far-end'));
      waiting?.(o);
      return;
    }
    const by: EndedBy = o === 'busy' ? 'busy' : o === 'no-answer' ? 'no-answer' : 'unreachable';
    this.finish(c, by, true);
    if (waiting && this.colp === 1) waiting(o);
    else this.modem.urc(o === 'busy' ? 'BUSY' : o === 'no-answer' ? 'NO ANSWER' : 'NO CARRIER');
  }

  /** ATD returned OK already (AT+COLP=0): nobody waits for the outcome. */
  release(): void {
    this.waiter = null;
  }

  /** AT+CPAS: 0 ready, 3 ringing, 4 call in progress. */
  get activity(): number {
    const c = this.current;
    if (!c) return 0;
    return c.state === 'incoming' ? 3 : 4;
  }

  /** POST /calls/:id: the other side acts. */
  act(id: string, action: string): Call | null | 'bad-action' {
    const c = this.history.find((x) => x.id === id);
    if (!c) return null;
    if (action === 'hangup') {
      this.hangUpRemote(c, c.dir === 'in' ? 'caller' : 'far-end');
      return c;
    }
    if (c.dir === 'out' && (OUTCOMES as readonly string[]).includes(action)) {
      const o = OUTCOMES.find((x) => x === action);
      if (o) this.decide(c, o);
      return c;
    }
    return 'bad-action';
  }
}
