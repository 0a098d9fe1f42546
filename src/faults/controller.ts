/**
 * Injects and clears faults on one modem: `inject('bearerDrop', { cid: 1 }, { durationMs })`.
 * It installs the UART tap and the MQTT link proxy on the modem, keeps the active
 * faults, merges their conditions and applies what changed. The library handle, the
 * control API and scenario files all come through here.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { TimerHandle } from '../clock';
import type { Modem } from '../modem/modem';
import { DEFAULT_SEED, seededRandom } from '../random';
import { APPLY, FAULT_NAMES, FAULTS, NORMAL, type Conditions, type FaultContext, type FaultDef, type FaultName } from './catalog';
import { FaultLink } from './link';
import { checkParams, FaultError, parseDuration, type ParamValues } from './params';
import { FaultWire } from './wire';
import { childLogger } from '../log';

export interface ActiveFault {
  name: FaultName;
  params: ParamValues;
  /** Modem-clock milliseconds when it was injected, and when it clears by itself. */
  since: number;
  until?: number;
}

export interface FaultEvent {
  action: 'inject' | 'clear';
  name: FaultName;
  params: ParamValues;
  t: number;
}

interface Entry extends ActiveFault {
  timers: Set<TimerHandle>;
}

export interface InjectOptions {
  /** Clears itself after this long: milliseconds or `"5s"`. */
  duration?: number | string;
}

export class FaultController extends EventEmitter<{ change: [FaultEvent] }> {
  readonly link: FaultLink;
  readonly wire: FaultWire;
  private readonly active = new Map<FaultName, Entry>();
  private applied: Conditions = { ...NORMAL };
  private readonly log: Logger;

  constructor(
    private readonly modem: Modem,
    opts: { seed?: number; log?: Logger } = {},
  ) {
    super();
    const seed = opts.seed ?? DEFAULT_SEED;
    this.log = childLogger(opts.log ?? modem.log, { mod: 'faults' });
    this.link = new FaultLink(modem.clock, seededRandom(seed, 'link'), this.log);
    this.wire = new FaultWire(modem, seededRandom(seed, 'wire'));
    modem.link = this.link;
    modem.tap = this.wire;
  }

  /** Every fault with its parameters, for help texts and `GET /faults`. */
  static catalog(): { name: FaultName; summary: string; lasting: string; params: FaultDef['params'] }[] {
    return FAULT_NAMES.map((name) => {
      const d: FaultDef = FAULTS[name];
      return { name, summary: d.summary, lasting: d.lasting, params: d.params };
    });
  }

  /** Checks a name and its parameters without injecting (scenario files are checked up front). */
  static check(name: unknown, params?: unknown, opts: InjectOptions = {}): { name: FaultName; params: ParamValues; durationMs?: number } {
    if (typeof name !== 'string' || !(FAULT_NAMES as string[]).includes(name)) {
      throw new FaultError(`unknown fault ${JSON.stringify(name)} (known: ${FAULT_NAMES.join(', ')})`);
    }
    const n = name as FaultName;
    const checked = checkParams(FAULTS[n].params, params, n);
    const durationMs = opts.duration === undefined ? undefined : parseDuration(opts.duration, `${n}: duration`);
    return { name: n, params: checked, durationMs };
  }

  /**
   * Injects a fault (again: its parameters are replaced). Returns it as active, or null
   * for a fault that is over at once (reboot; bearerDrop without a duration).
   * Throws FaultError on a bad name, parameter or duration.
   */
  inject(name: string, params?: unknown, opts: InjectOptions = {}): ActiveFault | null {
    const c = FaultController.check(name, params, opts);
    const def: FaultDef = FAULTS[c.name];
    this.drop(c.name);
    const now = this.modem.clock.now();
    const lasts = def.lasting === 'always' || (def.lasting === 'withDuration' && c.durationMs !== undefined);
    const entry: Entry = { name: c.name, params: c.params, since: now, timers: new Set() };
    if (lasts) {
      if (c.durationMs !== undefined) {
        entry.until = now + c.durationMs;
        this.after(entry, c.durationMs, () => this.clear(c.name));
      }
      this.active.set(c.name, entry);
      this.applyConditions();
    }
    this.log.info({ fault: c.name, params: c.params, durationMs: c.durationMs }, 'fault injected');
    this.emit('change', { action: 'inject', name: c.name, params: c.params, t: now });
    def.inject?.(this.context(entry), c.params);
    return lasts ? this.view(entry) : null;
  }

  /** Clears an active fault; false when it was not active. */
  clear(name: string): boolean {
    const entry = this.active.get(name as FaultName);
    if (!entry) return false;
    this.drop(entry.name);
    this.applyConditions();
    this.log.info({ fault: entry.name }, 'fault cleared');
    this.emit('change', { action: 'clear', name: entry.name, params: entry.params, t: this.modem.clock.now() });
    (FAULTS[entry.name] as FaultDef).clear?.(this.context(entry), entry.params);
    return true;
  }

  clearAll(): void {
    for (const name of [...this.active.keys()]) this.clear(name);
  }

  list(): ActiveFault[] {
    return [...this.active.values()].map((e) => this.view(e));
  }

  isActive(name: FaultName): boolean {
    return this.active.has(name);
  }

  /** Stops the link proxy (the emulator is stopping); faults stay as they are. */
  async close(): Promise<void> {
    for (const e of this.active.values()) this.cancel(e);
    await this.link.close();
  }

  private view(e: Entry): ActiveFault {
    return { name: e.name, params: { ...e.params }, since: e.since, ...(e.until !== undefined ? { until: e.until } : {}) };
  }

  /** Forgets an entry and its timers without running its clear hook. */
  private drop(name: FaultName): void {
    const e = this.active.get(name);
    if (!e) return;
    this.cancel(e);
    this.active.delete(name);
  }

  private cancel(e: Entry): void {
    for (const h of e.timers) this.modem.clock.clearTimeout(h);
    e.timers.clear();
  }

  private after(e: Entry, ms: number, fn: () => void): void {
    const h = this.modem.clock.setTimeout(() => {
      e.timers.delete(h);
      fn();
    }, ms);
    e.timers.add(h);
  }

  private context(e: Entry): FaultContext {
    return {
      modem: this.modem,
      link: this.link,
      wire: this.wire,
      after: (ms, fn) => (ms <= 0 ? fn() : this.after(e, ms, fn)),
    };
  }

  /** Booleans hold only if every active fault lets them; other values: the latest fault's. */
  private merged(): Conditions {
    const out: Conditions = { ...NORMAL };
    for (const e of this.active.values()) {
      const def: FaultDef = FAULTS[e.name];
      const c = def.conditions?.(e.params) ?? {};
      for (const [k, v] of Object.entries(c) as [keyof Conditions, Conditions[keyof Conditions]][]) {
        (out as unknown as Record<string, unknown>)[k] = typeof v === 'boolean' ? (out[k] as boolean) && v : v;
      }
    }
    return out;
  }

  private applyConditions(): void {
    const next = this.merged();
    const targets = { modem: this.modem, link: this.link, wire: this.wire };
    for (const key of Object.keys(APPLY) as (keyof Conditions)[]) {
      if (JSON.stringify(next[key]) === JSON.stringify(this.applied[key])) continue;
      this.applied = { ...this.applied, [key]: next[key] };
      (APPLY[key] as (t: typeof targets, v: unknown) => void)(targets, next[key]);
    }
  }
}
