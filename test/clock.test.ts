/**
 * The system clock's timers against its own now(): a modem timer (command latency, MQTT
 * TIMEOUT, a scenario step) never fires before now() has reached its time. Node's own
 * setTimeout fires early by a fraction of a millisecond about half the time.
 */
import { systemClock } from '../src/clock';

describe('systemClock', () => {
  it('setTimeout and sleep never fire before now() reaches their time, and clearTimeout stops them', async () => {
    const early: number[] = [];
    const check = (due: number) => {
      const now = systemClock.now();
      if (now < due) early.push(due - now);
    };
    const runs: Promise<void>[] = [];
    for (let i = 0; i < 300; i++) {
      const ms = 1 + (i % 20);
      const due = systemClock.now() + ms;
      if (i % 2) runs.push(systemClock.sleep(ms).then(() => check(due)));
      else runs.push(new Promise<void>((resolve) => systemClock.setTimeout(() => resolve(check(due)), ms)));
    }
    let cleared = false;
    const h = systemClock.setTimeout(() => (cleared = true), 5);
    systemClock.clearTimeout(h);
    await Promise.all(runs);
    await new Promise((r) => setTimeout(r, 30));
    expect(early).toEqual([]);
    expect(cleared).toBe(false);
  });
});
