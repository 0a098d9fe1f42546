/**
 * Scenario files: the format's checks (one-line errors naming the file and the step),
 * and runs against a scripted firmware on a real broker: the fixture passes, a broken
 * firmware fails with the first failure named, a stop interrupts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import type { DteClient } from '../../src/client/dteClient';
import { loadScenarioFile, parseScenario, runScenario, summaryLine } from '../../src/scenario';
import { sleep } from '../helpers/wait';

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
 * A small firmware: every 50 ms it checks the session and, when it is down, reopens the
 * bearer and reconnects; once online it publishes telemetry. `broken` never reconnects.
 */
function firmware(dte: DteClient, opts: { broken?: boolean } = {}): { stop(): Promise<void> } {
  let running = true;
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
      await sleep(50);
    }
  })();
  return {
    async stop() {
      running = false;
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

  async function start(): Promise<void> {
    emu = await startEmulator({ tcp: false, brokerPort: 0 }); // the run starts the cloud view itself
  }

  it('the fixture passes against a firmware that reconnects; the result names every step and check', async () => {
    await start();
    const running = runScenario(emu.control, loadScenarioFile(FIXTURE));
    // start: attach: nothing happens until the firmware is on the wire.
    await sleep(100);
    expect(emu.faults.list()).toEqual([]);
    dte = emu.connect();
    await dte.ok('AT');
    fw = firmware(dte);
    const r = await running.done;
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
    expect(r.steps[1].t).toBeGreaterThanOrEqual(1000);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r); // plain data: what --scenario-result writes
  }, 20_000);

  it('a firmware that never reconnects fails, and the summary names the first failing check', async () => {
    await start();
    dte = emu.connect();
    await dte.ok('AT');
    fw = firmware(dte, { broken: true });
    const s = parseScenario({
      name: 'broken',
      steps: [
        { at: 0, expect: { smstate: 1 }, within: '5s' },
        { at: '200ms', fault: 'bearerDrop' },
        { at: '200ms', expect: { smstate: 1 }, within: '600ms' },
        { at: '900ms', expect: { urc: { line: '+SMSTATE: 0', count: 1 }, power: 'on' } },
      ],
    });
    const r = await runScenario(emu.control, s).done;
    expect(r.passed).toBe(false);
    expect(r.steps.map((x) => x.ok)).toEqual([true, true, false, true]);
    expect(r.summary).toEqual({ steps: 4, expectations: 3, failedExpectations: 1, failedSteps: 1 });
    expect(summaryLine(r)).toMatch(/: FAIL \(4 steps, 3 expectations\) in .* s; first failure: step 2 at 200 ms \(expect smstate within 600 ms\): smstate expected 1, got 0$/);
  }, 20_000);

  it('stop() interrupts: the steps not yet run are missing and the run does not pass', async () => {
    await start();
    dte = emu.connect();
    await dte.ok('AT');
    const running = runScenario(emu.control, parseScenario({ start: 'ready', steps: [{ at: '1h', power: 'off' }] }));
    setTimeout(() => running.stop(), 50);
    const r = await running.done;
    expect(r).toMatchObject({ passed: false, interrupted: true, steps: [] });
    expect(summaryLine(r)).toContain(': INTERRUPTED (1 steps, 0 expectations)');
    expect(emu.modem.powered).toBe(true);
  });
});
