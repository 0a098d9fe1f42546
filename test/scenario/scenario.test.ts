/**
 * Scenario files: the format's checks (one-line errors naming the file and the step),
 * and runs against a scripted firmware on a real broker, on the modem's virtual clock:
 * the fixture passes, a broken firmware fails with the first failure named, --fail-fast
 * stops at it, a stop interrupts wherever the run is.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import type { DteClient } from '../../src/client/dteClient';
import { loadScenarioFile, parseScenario, runScenario, summaryLine } from '../../src/scenario';
import * as net from 'node:net';
import { VirtualClock } from '../../src/clock';
import { PacketSplitter } from '../../src/faults/mqttPackets';
import { sleep, until } from '../helpers/wait';

const FIXTURE = path.join(__dirname, '../../fixtures/scenarios/reconnect.yaml');

describe('the format', () => {
  it('the fixture parses: steps sorted by time, file order kept on ties, defaults filled', () => {
    const s = loadScenarioFile(FIXTURE);
    expect(s.name).toBe('reconnect after bearer loss');
    expect(s.start).toBe('attach');
    expect(s.steps.map((x) => [x.atMs, x.action.kind])).toEqual([
      [0, 'expect'],
      [1000, 'fault'],
      [1000, 'expect'],
      [2000, 'c2d'],
      [2000, 'expect'],
    ]);
    expect(s.steps[1].action).toEqual({ kind: 'fault', name: 'bearerDrop', params: { cid: 1 }, durationMs: undefined });
    expect(s.steps[2].action).toMatchObject({ kind: 'expect', withinMs: 30_000, expect: { sent: { command: 'AT+SMCONN', count: { op: '>=', n: 2 } } } });
  });

  it.each([
    [{}, '', '"steps" must be a non-empty list'],
    [{ steps: [], extra: 1 }, '', 'scenario: unknown key "extra" (known: name, start, steps)'],
    [{ steps: [{ at: '1s' }] }, '', 'steps[0] needs exactly one of fault, clear, c2d, power, sms, call, ussd, expect'],
    [{ steps: [{ at: '1s', fault: 'x', power: 'on' }] }, '', 'steps[0] needs exactly one of fault, clear, c2d, power, sms, call, ussd, expect (has fault, power)'],
    [{ steps: [{ fault: 'reboot' }] }, '', 'steps[0] needs "at" (e.g. at: 5s)'],
    [{ steps: [{ at: 'later', fault: 'reboot' }] }, '', 'steps[0].at: "later" is not a duration (e.g. 500ms, 5s, 1.5m)'],
    [{ steps: [{ at: 0, fault: 'nope' }] }, '', 'steps[0]: unknown fault "nope"'],
    [{ steps: [{ at: 0, fault: 'signal', params: { rssi: 50 } }] }, '', 'steps[0]: signal: "rssi" must be an integer from 0 to 31 or 99'],
    [{ steps: [{ at: 0, clear: 'nope' }] }, '', 'steps[0]: unknown fault "nope"'],
    [{ steps: [{ at: 0, power: 'maybe' }] }, '', 'steps[0].power must be one of on, off, reboot'],
    [{ steps: [{ at: 0, c2d: { topic: 't/#', payload: '' } }] }, '', 'steps[0].c2d: "topic" must be a non-empty topic name without wildcards'],
    [{ steps: [{ at: 0, expect: {} }] }, '', 'steps[0].expect must be an object with at least one of'],
    [{ steps: [{ at: 0, expect: { mood: 'ok' } }] }, '', 'steps[0].expect: unknown key "mood"'],
    [{ steps: [{ at: 0, expect: { smstate: 2 } }] }, '', 'steps[0].expect.smstate must be one of 0, 1'],
    [{ steps: [{ at: 0, expect: { published: { topic: 't', count: 'lots' } } }] }, '', 'steps[0].expect.published.count must be a count: 3, ">=1", "<2", "==0"'],
    [{ steps: [{ at: 0, expect: { smstate: 1 }, within: 'ages' }] }, '', 'steps[0].within: "ages" is not a duration'],
    [{ steps: [{ at: 0, fault: 'reboot', within: '1s' }] }, '', 'steps[0]: unknown key "within" (known: at, fault, params, duration)'],
  ])('%j → %s%s', (data, prefix, message) => {
    expect(() => parseScenario(data)).toThrow(prefix + message);
  });

  it('files: YAML by extension, JSON otherwise; errors name the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scn-'));
    const f = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    expect(loadScenarioFile(f('a.json', '{"steps":[{"at":"1s","power":"reboot"}]}')).name).toBe('a');
    expect(() => loadScenarioFile(f('b.json', '{"steps":'))).toThrow(/b\.json: invalid JSON: /);
    expect(() => loadScenarioFile(f('c.yml', 'steps: [at: 1s'))).toThrow(/c\.yml: invalid YAML: /);
    expect(() => loadScenarioFile(f('d.yaml', 'steps:\n  - at: 1s\n    fault: nope\n'))).toThrow(/d\.yaml: steps\[0\]: unknown fault "nope"/);
    expect(() => loadScenarioFile(path.join(dir, 'missing.yaml'))).toThrow('--scenario: cannot read');
  });
});

/**
 * How the test firmware waits between loops. On the modem's VirtualClock the scenario's
 * timeline (steps at 1 s, windows of 30 s) and the firmware's 50 ms loop share one time
 * that moves only when the test moves it, and only while the firmware is parked here
 * with no exchange under way: a loaded machine slows the run down but cannot reorder it.
 */
interface Pacer {
  sleep(ms: number): Promise<void>;
  /** The firmware waits in sleep() (nothing of its own in flight). */
  readonly parked: boolean;
  /** Ends a sleep now (stop). */
  wake(): void;
}

function virtualPacer(clock: VirtualClock): Pacer {
  let wakeNow: (() => void) | null = null;
  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const h = clock.setTimeout(() => {
          wakeNow = null;
          resolve();
        }, ms);
        wakeNow = () => {
          clock.clearTimeout(h);
          wakeNow = null;
          resolve();
        };
      }),
    get parked() {
      return wakeNow !== null;
    },
    wake: () => wakeNow?.(),
  };
}

/**
 * Moves virtual time 50 ms at a time, each time once the firmware is parked, until the
 * run is done. A firmware that never parks again (an exchange that hangs) fails loudly.
 */
async function drive<T>(clock: VirtualClock, pacer: Pacer, done: Promise<T>, limitMs = 120_000): Promise<T> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished) {
    await until(() => finished || pacer.parked, 10_000, 'the firmware to finish its exchange and sleep');
    if (finished) break;
    if (clock.now() > limitMs) throw new Error(`the run is still going at ${clock.now()} ms of virtual time`);
    await clock.advanceAsync(50);
  }
  return done;
}

/**
 * A small firmware: every 50 ms it checks the session and, when it is down, reopens the
 * bearer and reconnects; once online it publishes telemetry. `broken` never reconnects.
 */
function firmware(dte: DteClient, opts: { broken?: boolean; pacer?: Pacer } = {}): { stop(): Promise<void> } {
  let running = true;
  const pause = (ms: number) => (opts.pacer ? opts.pacer.sleep(ms) : sleep(ms));
  const loop = (async () => {
    await dte.ok('ATE0');
    await dte.ok('AT+SAPBR=3,1,"APN","CMNET"');
    await dte.ok('AT+SMCONF="URL","iot.example.com:1883"');
    await dte.ok('AT+SMCONF="CLEANSS",1');
    let connects = 0;
    while (running) {
      const online = (await dte.send('AT+SMSTATE?')).lines[0] === '+SMSTATE: 1';
      if (!online && !(opts.broken && connects > 0)) {
        if ((await dte.send('AT+SAPBR=2,1')).lines[0]?.startsWith('+SAPBR: 1,1') !== true) await dte.send('AT+SAPBR=1,1');
        if ((await dte.send('AT+SMCONN')).ok) {
          connects++;
          await dte.send('AT+SMSUB="dev/cmd",1');
        }
      }
      if (online) await dte.send('AT+SMPUB="dev/telemetry",1,0,"t"');
      await pause(50);
    }
  })();
  return {
    async stop() {
      running = false;
      opts.pacer?.wake();
      await loop.catch(() => undefined);
    },
  };
}

describe('runs', () => {
  let emu: EmulatorHandle;
  let dte: DteClient | undefined;
  let fw: { stop(): Promise<void> } | undefined;
  afterEach(async () => {
    await fw?.stop();
    await dte?.close();
    await emu?.stop();
    fw = dte = undefined;
  });

  async function start(clock?: VirtualClock): Promise<void> {
    emu = await startEmulator({ tcp: false, brokerPort: 0, clock }); // the run starts the cloud view itself
  }

  it('the fixture passes against a firmware that reconnects; the result names every step and check', async () => {
    const clock = new VirtualClock();
    await start(clock);
    const running = runScenario(emu.control, loadScenarioFile(FIXTURE));
    await running.ready;
    // start: attach: time goes by, and nothing happens until the firmware is on the wire.
    await clock.advanceAsync(5000);
    expect(emu.faults.list()).toEqual([]);
    expect(emu.control.log()).toEqual([]);
    dte = emu.connect();
    const pacer = virtualPacer(clock);
    fw = firmware(dte, { pacer });
    const r = await drive(clock, pacer, running.done);
    expect(summaryLine(r)).toMatch(/^scenario "reconnect after bearer loss": PASS \(5 steps, 3 expectations\) in \d+\.\d s$/);
    expect(r.passed).toBe(true);
    expect(r.steps.map((s) => [s.index, s.kind, s.ok])).toEqual([
      [0, 'expect', true],
      [1, 'fault', true],
      [2, 'expect', true],
      [3, 'c2d', true],
      [4, 'expect', true],
    ]);
    expect(r.steps[2].checks!.find((c) => c.what === 'urc')).toEqual({ what: 'urc', expected: '1', actual: 1, ok: true });
    expect(r.steps[2].checks!.find((c) => c.what === 'sent')).toMatchObject({ ok: true, actual: 2 });
    expect(r.steps[1].t).toBe(1000); // on the modem's clock, exactly when it was due
    expect(r.summary).toEqual({ steps: 5, expectations: 3, failedExpectations: 0, failedSteps: 0, notRun: 0 });
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // plain data: what --scenario-result writes
  });

  it('time 0 is the attach, even when the cloud view connects after the firmware has started', async () => {
    // A broker that answers CONNECT only when the test says: the firmware attaches and
    // sends its first commands while the run is still waiting for its cloud client.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      const splitter = new PacketSplitter();
      s.on('data', (chunk) => {
        for (const p of splitter.push(chunk)) {
          const type = p[0] >> 4;
          if (type === 1) void gate.then(() => s.write(Buffer.from([0x20, 0x02, 0x00, 0x00]))); // CONNACK
          if (type === 8) s.write(Buffer.from([0x90, 0x03, p[2], p[3], 0x01])); // SUBACK, QoS 1 granted
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      emu = await startEmulator({ tcp: false, brokerPort: 0, broker: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}` });
      const scenario = parseScenario({ start: 'attach', steps: [{ at: 0, expect: { sent: { command: 'AT+CGMI', count: 1 } } }] });
      const running = runScenario(emu.control, scenario);
      let ready = false;
      void running.ready.then(() => (ready = true));
      dte = emu.connect();
      await dte.ok('AT+CGMI');
      expect(ready).toBe(false);
      open();
      const r = await running.done;
      expect(ready).toBe(true);
      expect(r.steps[0].checks).toEqual([{ what: 'sent', expected: '1', actual: 1, ok: true }]);
      expect(r.passed).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('a firmware that never reconnects fails, and the summary names the first failing check', async () => {
    const clock = new VirtualClock();
    await start(clock);
    dte = emu.connect();
    await dte.ok('AT');
    const pacer = virtualPacer(clock);
    fw = firmware(dte, { broken: true, pacer });
    const s = parseScenario({
      name: 'broken',
      steps: [
        { at: 0, expect: { smstate: 1 }, within: '5s' },
        { at: '200ms', fault: 'bearerDrop' },
        { at: '200ms', expect: { smstate: 1 }, within: '600ms' },
        { at: '900ms', expect: { urc: { line: '+SMSTATE: 0', count: 1 }, power: 'on' } },
      ],
    });
    const running = runScenario(emu.control, s);
    await running.ready;
    const r = await drive(clock, pacer, running.done);
    expect(r.passed).toBe(false);
    expect(r.steps.map((x) => x.ok)).toEqual([true, true, false, true]);
    expect(r.summary).toEqual({ steps: 4, expectations: 3, failedExpectations: 1, failedSteps: 1, notRun: 0 });
    expect(summaryLine(r)).toMatch(/: FAIL \(4 steps, 3 expectations\) in .* s; first failure: step 2 at 200 ms \(expect smstate within 600 ms\): smstate expected 1, got 0$/);
  });

  it('--fail-fast: the run ends at the first failed step; the rest are counted as not run', async () => {
    const clock = new VirtualClock();
    await start(clock);
    dte = emu.connect();
    await dte.ok('AT');
    const s = parseScenario({
      name: 'ff',
      start: 'ready',
      steps: [
        { at: 0, expect: { power: 'on' } },
        { at: 0, expect: { smstate: 1 }, within: '1s' },
        { at: '2s', fault: 'reboot' },
        { at: '3s', expect: { power: 'on' } },
      ],
    });
    const failFast = runScenario(emu.control, s, { failFast: true });
    await failFast.ready;
    await clock.advanceAsync(1000);
    const r = await failFast.done;
    expect(r).toMatchObject({ passed: false, interrupted: false, stoppedAtFailure: true, durationMs: 1000 });
    expect(r.steps.map((x) => [x.index, x.ok])).toEqual([
      [0, true],
      [1, false],
    ]);
    expect(r.summary).toEqual({ steps: 4, expectations: 3, failedExpectations: 1, failedSteps: 1, notRun: 2 });
    expect(summaryLine(r)).toMatch(/^scenario "ff": FAIL \(4 steps, 3 expectations\) in 1\.0 s; first failure: step 1 at 0 ms \(expect smstate within 1000 ms\): smstate expected 1, got 0; --fail-fast: 2 steps not run$/);
    expect(emu.control.log().filter((e) => e.dir === 'urc')).toEqual([]); // the reboot never happened

    // Without it, every step runs.
    const all = runScenario(emu.control, s);
    await all.ready;
    await clock.advanceAsync(3000);
    const r2 = await all.done;
    expect(r2.steps.map((x) => x.ok)).toEqual([true, false, true, true]);
    expect(r2).toMatchObject({ passed: false, stoppedAtFailure: false, summary: { notRun: 0 } });
  });

  describe('stop() (SIGTERM/SIGINT in the CLI) reports INTERRUPTED wherever the run is', () => {
    const s = () =>
      parseScenario({
        name: 'long',
        start: 'ready',
        steps: [
          { at: 0, expect: { power: 'on' } },
          { at: '1s', expect: { smstate: 1 }, within: '1h' },
          { at: '2h', fault: 'reboot' },
          { at: '2h', expect: { smstate: 1 }, within: '1h' },
        ],
      });
    it.each([
      // [virtual ms before the stop, steps run, failed expectations, the summary's tail]
      [500, 1, 0, 'stopped with 3 of 4 steps not run'], // between steps
      [1000 + 60_000, 2, 0, 'stopped during step 1 (expect smstate within 3600000 ms) with 2 of 4 steps not run'], // in a middle step's window
      // In the last step's window; step 1's window had run out by then: a real failure, named too.
      [2 * 3600_000 + 60_000, 4, 1, 'stopped during step 3 (expect smstate within 3600000 ms) with 0 of 4 steps not run; first failure: step 1 at 1000 ms (expect smstate within 3600000 ms): smstate expected 1, got 0'],
    ])('stopped after %d ms', async (ms, run, failed, tail) => {
      const clock = new VirtualClock();
      await start(clock);
      dte = emu.connect();
      await dte.ok('AT');
      const running = runScenario(emu.control, s());
      await running.ready;
      await clock.advanceAsync(ms);
      running.stop();
      const r = await running.done;
      expect(r).toMatchObject({ passed: false, interrupted: true, stoppedAtFailure: false });
      expect(r.steps).toHaveLength(run);
      expect(r.steps.filter((x) => x.interrupted).map((x) => x.index)).toEqual(tail.startsWith('stopped during') ? [r.steps[run - 1].index] : []);
      expect(r.summary.failedExpectations).toBe(failed); // a window cut short is no failure
      expect(summaryLine(r)).toBe(`scenario "long": INTERRUPTED (4 steps, 3 expectations) in ${(ms / 1000).toFixed(1)} s; ${tail}`);
    });

    it('before the firmware attaches: nothing ran', async () => {
      await start();
      const running = runScenario(emu.control, parseScenario({ steps: [{ at: '1h', power: 'off' }] }));
      await running.ready;
      running.stop();
      const r = await running.done;
      expect(r).toMatchObject({ passed: false, interrupted: true, steps: [], summary: { notRun: 1 } });
      expect(summaryLine(r)).toContain(': INTERRUPTED (1 steps, 0 expectations)');
      expect(emu.modem.powered).toBe(false);
    });
  });
});
