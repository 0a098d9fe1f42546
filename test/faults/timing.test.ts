/**
 * The timing profile and the clock behind every delay: seeded jitter (same seed, same
 * delays; within ± jitter; instant stays 0), profile files, and the VirtualClock.
 */
import { VirtualClock } from '../../src/clock';
import { parseProfileText, PROFILES, resolveProfile, Timing } from '../../src/profile';
import { seededRandom } from '../../src/random';
import { fakeClockDte, type Dte } from '../helpers/dte';

describe('Timing', () => {
  it('jitter stays within ± the fraction and repeats for a seed', () => {
    const t = (seed: number) => new Timing(PROFILES.realistic, seededRandom(seed, 'timing'));
    const a = t(1);
    const xs = Array.from({ length: 200 }, () => a.delay('bearerOpenMs'));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(1152);
    expect(Math.max(...xs)).toBeLessThanOrEqual(1408);
    expect(new Set(xs).size).toBeGreaterThan(50);
    const b = t(1);
    expect(Array.from({ length: 200 }, () => b.delay('bearerOpenMs'))).toEqual(xs);
    const c = t(2);
    expect(Array.from({ length: 200 }, () => c.delay('bearerOpenMs'))).not.toEqual(xs);
  });

  it('instant answers at once whatever the jitter', () => {
    const t = new Timing({ ...PROFILES.instant, jitter: 0.5 }, seededRandom(1));
    expect(t.delay('bootMs')).toBe(0);
  });

  it('the realistic figures come from the reference (SAPBR=1,1 ≈ 1.28 s, CFUN notices ≈ 0.4 s)', () => {
    expect(resolveProfile('realistic')).toMatchObject({ bearerOpenMs: 1280, cfunMs: 400, commandMs: 30, jitter: 0.1 });
    expect(() => resolveProfile('slow')).toThrow('unknown timing profile "slow" (known: instant, realistic)');
  });
});

describe('profile files', () => {
  it('a base and overrides', () => {
    expect(parseProfileText('{"base":"realistic","bearerOpenMs":5000,"jitter":0}', 'p.json')).toMatchObject({ name: 'realistic+p.json', bearerOpenMs: 5000, jitter: 0, bootMs: 1500 });
    expect(parseProfileText('{"commandMs":20}', 'dir/q.json')).toMatchObject({ name: 'instant+q.json', commandMs: 20, bootMs: 0 });
  });

  it.each([
    ['[', 'p.json: invalid JSON: '],
    ['[]', 'p.json: must hold a JSON object'],
    ['{"base":"fast"}', 'p.json: "base" must be one of instant, realistic'],
    ['{"bootms":1}', 'p.json: unknown key "bootms" (known: base, bootMs,'],
    ['{"bootMs":"1s"}', 'p.json: "bootMs" must be a number from 0 to 86400000'],
    ['{"jitter":2}', 'p.json: "jitter" must be a number from 0 to 1'],
  ])('%s', (text, message) => {
    expect(() => parseProfileText(text, 'p.json')).toThrow(message);
  });
});

describe('VirtualClock', () => {
  it('fires in time order, ties in scheduling order, and timers set while advancing', () => {
    const c = new VirtualClock();
    const log: string[] = [];
    c.setTimeout(() => log.push('b@20'), 20);
    c.setTimeout(() => {
      log.push('a@10');
      c.setTimeout(() => log.push('c@15'), 5);
    }, 10);
    c.setTimeout(() => log.push('b2@20'), 20);
    const h = c.setTimeout(() => log.push('never'), 15);
    c.clearTimeout(h);
    c.advance(19);
    expect(log).toEqual(['a@10', 'c@15']);
    expect(c.now()).toBe(19);
    c.advance(1);
    expect(log).toEqual(['a@10', 'c@15', 'b@20', 'b2@20']);
    expect(c.wallNow()).toBe(Date.UTC(2024, 5, 1, 12, 0, 0) + 20);
  });

  it('advanceAsync and runAll follow a promise chain that sleeps again', async () => {
    /** A chain that sleeps 100 ms three times, noting the time after each. */
    const sleeper = (c: VirtualClock) => {
      const times: number[] = [];
      void (async () => {
        for (let i = 0; i < 3; i++) {
          await c.sleep(100);
          times.push(c.now());
        }
      })();
      return times;
    };
    const c = new VirtualClock();
    const steps = sleeper(c);
    c.advance(300); // synchronous: only the first sleep is due before the chain resumes
    expect(steps).toEqual([]);
    const d = new VirtualClock();
    const got = sleeper(d);
    await d.advanceAsync(250);
    expect(got).toEqual([100, 200]);
    expect(await d.runAll()).toBe(1);
    expect(got).toEqual([100, 200, 300]);
    expect(d.pending).toBe(0);
  });

  it('drives the modem: realistic command latency and CFUN timing on virtual time', async () => {
    const clock = new VirtualClock();
    const dte: Dte = await fakeClockDte({ clock });
    // fakeClockDte takes the exact figures; here the modem runs realistic CFUN timing by hand.
    (dte.modem.profile as { cfunMs: number }).cfunMs = 400;
    (dte.modem.profile as { cfunOkMs: number }).cfunOkMs = 1000;
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    dte.mark();
    dte.write('AT+CFUN=0\r');
    await dte.settle();
    await clock.advanceAsync(399);
    expect(dte.sinceMark()).toBe('');
    await clock.advanceAsync(1);
    expect(dte.sinceMark()).toBe('\r\n+CPIN: NOT READY\r\n');
    await clock.advanceAsync(1000);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n+CPIN: NOT READY\r\n\r\nOK\r\n');
    await dte.close();
  });
});
