/**
 * One clock drives every timer (command latency, bearer activation, MQTT timeouts,
 * pacing), so tests can swap in a virtual one and a profile can stretch or shrink time.
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

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  sleep: (ms) => (ms <= 0 ? Promise.resolve() : new Promise((r) => setTimeout(r, ms))),
};
