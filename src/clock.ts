/**
 * One clock drives every timer (command latency, bearer activation, MQTT timeouts,
 * pacing, faults, scenarios), so tests can swap in a virtual one and a profile can
 * stretch or shrink time.
 */
export type TimerHandle = { readonly __timer: unique symbol } | NodeJS.Timeout;

export interface Clock {
  /** Milliseconds, monotonic within a run. */
  now(): number;
  /** Wall-clock Unix time in milliseconds (the network's time for NITZ). */
  wallNow(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  sleep(ms: number): Promise<void>;
}

/** A system timer behind one handle, re-armed when Node fires it early. */
interface SystemTimer {
  timeout: NodeJS.Timeout;
}

/**
 * Milliseconds since the process started, on the monotonic clock that performance.now()
 * also reads: process.uptime() is already loaded, where the first use of the global
 * `performance` loads perf_hooks (a start's first timer would pay for it).
 */
const monotonicMs = (): number => process.uptime() * 1000;

/**
 * Node's timers run on the event loop's cached millisecond clock, so a timer can fire a
 * fraction of a millisecond before now() has reached its time (a scenario
 * step due at 1000 ms was seen at 999.95). A modem timer never fires early on now(): the
 * rest is waited out, which makes it at most about a millisecond late instead.
 */
function systemTimeout(fn: () => void, ms: number): SystemTimer {
  const due = monotonicMs() + ms;
  const timer: SystemTimer = {
    timeout: setTimeout(function fire() {
      const left = due - monotonicMs();
      if (left > 0) timer.timeout = setTimeout(fire, left);
      else fn();
    }, ms),
  };
  return timer;
}

export const systemClock: Clock = {
  now: monotonicMs,
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => systemTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (h) => clearTimeout((h as unknown as SystemTimer).timeout),
  sleep: (ms) => (ms <= 0 ? Promise.resolve() : new Promise((r) => systemTimeout(r, ms))),
};

interface VirtualTimer {
  at: number;
  fn: () => void;
}

/** One turn of the real event loop: I/O callbacks and promise chains get to run. */
const macrotask = () => new Promise<void>((r) => setImmediate(r));

/**
 * A clock that only moves when told to. Due timers fire in time order (first scheduled
 * first on a tie), and timers scheduled while advancing fire too when they fall inside
 * the window. `advance` is synchronous; `advanceAsync` and `runAll` give the event loop
 * a turn after every timer, so a promise chain that sleeps again (a handler awaiting a
 * delay, then another) is followed to its end.
 */
export class VirtualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<number, VirtualTimer>();

  constructor(private readonly wallStart = Date.UTC(2024, 5, 1, 12, 0, 0)) {}

  now(): number {
    return this.t;
  }
  wallNow(): number {
    return this.wallStart + this.t;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id as unknown as TimerHandle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number);
  }
  sleep(ms: number): Promise<void> {
    return ms <= 0 ? Promise.resolve() : new Promise((r) => this.setTimeout(r, ms));
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by ms, firing due timers in time order. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.fireNext(end));
    this.t = end;
  }

  /** Like advance(), with an event-loop turn after each timer. */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.t + ms;
    await macrotask();
    while (this.fireNext(end)) await macrotask();
    this.t = end;
  }

  /**
   * Fires every timer, including those scheduled meanwhile, until none is left or
   * `maxTimers` fired (a periodic timer would otherwise run forever). Returns how many fired.
   */
  async runAll(maxTimers = 10_000): Promise<number> {
    let n = 0;
    await macrotask();
    while (n < maxTimers && this.fireNext(Infinity)) {
      n++;
      await macrotask();
    }
    return n;
  }

  private fireNext(limit: number): boolean {
    let next: [number, VirtualTimer] | undefined;
    for (const e of this.timers) if (e[1].at <= limit && (!next || e[1].at < next[1].at)) next = e;
    if (!next) return false;
    this.timers.delete(next[0]);
    this.t = Math.max(this.t, next[1].at);
    next[1].fn();
    return true;
  }
}
