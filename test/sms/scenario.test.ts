/**
 * Scenario steps of the SMS family: "send an SMS to the device", "expect the device to send
 * an SMS matching … within T", "ring", "expect hang-up", a USSD reply; checked at load time
 * like every other step, and run against a small alarm firmware.
 */
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import type { DteClient } from '../../src/client/dteClient';
import { parseScenario } from '../../src/scenario/format';
import { runScenario } from '../../src/scenario/runner';
import { FROM } from './helpers';

let emu: EmulatorHandle | undefined;
let dte: DteClient | undefined;
afterEach(async () => {
  await dte?.close();
  await emu?.stop();
  emu = dte = undefined;
});

describe('the format', () => {
  it.each([
    [{ at: '1s', sms: { text: 'no sender' } }, /steps\[0\]\.sms: "from" must be/],
    [{ at: '1s', sms: { from: FROM, text: '你', encoding: 'gsm7' } }, /GSM 7-bit alphabet/],
    [{ at: '1s', call: { ring: true } }, /steps\[0\]\.call needs "from"/],
    [{ at: '1s', expect: { sms: { text: '(' } } }, /steps\[0\]\.expect\.sms\.text must be a regular expression/],
    [{ at: '1s', expect: { hangup: 'yes' } }, /steps\[0\]\.expect\.hangup must be one of true, false/],
  ])('%j is refused: %s', (step, msg) => {
    expect(() => parseScenario({ steps: [step] })).toThrow(msg);
  });
});

/** Answers STATUS with an SMS, deletes what it read, hangs up on callers. */
function alarmFirmware(d: DteClient): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    await d.ok('ATE0');
    await d.ok('AT+CMGF=1;+CLIP=1');
    while (running) {
      const line = await d.waitFor(/^(\+CMTI: |RING)/, 500).catch(() => null);
      if (!line) continue;
      if (line === 'RING') {
        await d.ok('ATH');
        continue;
      }
      const index = line.split(',')[1];
      const read = await d.ok(`AT+CMGR=${index}`);
      if (read[1] === 'STATUS') {
        await d.send(`AT+CMGS="${FROM}"`);
        await d.send('armed, battery 87%\x1a');
      }
      await d.ok(`AT+CMGD=${index}`);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
    },
  };
}

it('an SMS command in, the answer out; a ring, hung up; a USSD reply set', async () => {
  emu = await startEmulator({ tcp: false, brokerPort: 0 });
  const scenario = parseScenario({
    name: 'alarm panel',
    steps: [
      { at: '0s', ussd: { code: '*100#', reply: 'Balance 5.00' } },
      { at: '0s', sms: { from: FROM, text: 'STATUS' } },
      { at: '0s', expect: { sms: { to: FROM, text: '^armed, battery \\d+%$' } }, within: '5s' },
      { at: '0s', call: { from: FROM } },
      { at: '0s', expect: { hangup: true }, within: '5s' },
    ],
  });
  const running = runScenario(emu.control, scenario);
  dte = emu.connect();
  await dte.ok('AT');
  const fw = alarmFirmware(dte);
  const r = await running.done;
  await fw.stop();
  expect(r.steps.map((s) => [s.kind, s.ok])).toEqual([
    ['ussd', true],
    ['sms', true],
    ['expect', true],
    ['call', true],
    ['expect', true],
  ]);
  expect(r.passed).toBe(true);
  expect(emu.control.ussd.state().table).toEqual([{ code: '*100#', reply: 'Balance 5.00', status: 0, dcs: 15 }]);
});

it('an expected SMS that never comes fails the run with what was seen', async () => {
  emu = await startEmulator({ tcp: false, brokerPort: 0 });
  const running = runScenario(emu.control, parseScenario({ steps: [{ at: '0s', expect: { sms: { text: 'never' } }, within: '200ms' }] }));
  dte = emu.connect();
  await dte.ok('AT');
  const r = await running.done;
  expect(r.passed).toBe(false);
  expect(r.steps[0].checks).toEqual([{ what: 'sms', expected: '>=1', actual: 0, ok: false }]);
});
