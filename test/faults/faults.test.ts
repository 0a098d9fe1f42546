/**
 * Each fault's URCs and state on the module side, exact bytes: registration, bearer,
 * signal, SIM, power, reboot, freeze, garble; durations on a virtual clock; and the
 * checks every caller (library, control API, scenario) gets for bad input.
 */
import { FaultController } from '../../src/faults';
import { fakeClockDte, readyDte, FakeClock, type Dte } from '../helpers/dte';

const POWER_UP = '\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n';

let dte: Dte;
let faults: FaultController;
afterEach(async () => {
  await faults?.close();
  await dte?.close();
});

async function ready(modem: Parameters<typeof readyDte>[0] = {}): Promise<void> {
  dte = await readyDte(modem);
  faults = new FaultController(dte.modem, { seed: 7 });
}

/**
 * A modem on a virtual clock with faults, past boot and registration, echo off: for
 * the tests that step time to the millisecond.
 */
async function virtual(opts: Parameters<typeof fakeClockDte>[0] = {}): Promise<FakeClock> {
  const d = await fakeClockDte(opts);
  dte = d;
  faults = new FaultController(d.modem);
  d.clock.advance(10_000);
  if (d.modem.config.ipr === 0) await d.exchange('AT'); // autobaud: sync first
  await d.exchange('ATE0');
  return d.clock;
}

/** Injects, lets the URCs out, and returns exactly the bytes that came. */
async function inject(name: string, params?: unknown, opts?: { duration?: number | string }): Promise<string> {
  dte.mark();
  faults.inject(name, params, opts);
  await dte.settle();
  return dte.sinceMark();
}
async function clear(name: string): Promise<string> {
  dte.mark();
  expect(faults.clear(name)).toBe(true);
  await dte.settle();
  return dte.sinceMark();
}

describe('registrationLost', () => {
  it('+CREG: 2, the bearer DEACT, +PDP: DEACT; CSQ 99,99, no bearer; clear: +CREG: 1 and it reopens', async () => {
    await ready();
    await dte.exchange('AT+CREG=1;+CGREG=1;+CMEE=1');
    await dte.exchange('AT+SAPBR=1,1');
    expect(await inject('registrationLost')).toBe('\r\n+CREG: 2\r\n\r\n+CGREG: 2\r\n\r\n+SAPBR 1: DEACT\r\n\r\n+PDP: DEACT\r\n');
    expect(await dte.exchange('AT+CREG?')).toBe('\r\n+CREG: 1,2\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 99,99\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(faults.list().map((f) => f.name)).toEqual(['registrationLost']);
    expect(await clear('registrationLost')).toBe('\r\n+CREG: 1\r\n\r\n+CGREG: 1\r\n');
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 18,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nOK\r\n');
    expect(faults.list()).toEqual([]);
    expect(faults.clear('registrationLost')).toBe(false);
  });

  it('with AT+CREG=0 nothing is printed, but the state follows', async () => {
    await ready();
    expect(await inject('registrationLost')).toBe('');
    expect(await dte.exchange('AT+CREG?')).toBe('\r\n+CREG: 0,2\r\n\r\nOK\r\n');
  });

  it('a URC raised while a command runs waits for its final result', async () => {
    const clock = await virtual({ profile: 'realistic' });
    await dte.exchange('AT+CREG=1');
    dte.mark();
    dte.write('AT+SAPBR=1,1\r');
    await dte.settle();
    faults.inject('registrationLost');
    clock.advance(1280);
    await dte.settle();
    // The bearer could not come up (no network): its error first, then the URC.
    expect(dte.sinceMark()).toBe('\r\nERROR\r\n\r\n+CREG: 2\r\n');
  });
});

describe('bearerDrop', () => {
  it('+SAPBR 1: DEACT only; the bearer reopens at once', async () => {
    await ready();
    await dte.exchange('AT+SAPBR=1,1');
    expect(faults.inject('bearerDrop')).toBeNull(); // a moment, not a state
    await dte.settle();
    expect(dte.received().endsWith('\r\n+SAPBR 1: DEACT\r\n')).toBe(true);
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nOK\r\n');
  });

  it('cid 0 drops every open bearer; a closed cid prints nothing', async () => {
    await ready();
    await dte.exchange('AT+SAPBR=1,1;+SAPBR=1,3');
    expect(await inject('bearerDrop', { cid: 2 })).toBe('');
    expect(await inject('bearerDrop', { cid: 0 })).toBe('\r\n+SAPBR 1: DEACT\r\n\r\n+SAPBR 3: DEACT\r\n');
  });

  it('with a duration the network refuses activation until it ends (virtual clock)', async () => {
    const clock = await virtual();
    await dte.exchange('AT+SAPBR=1,1');
    expect(await inject('bearerDrop', {}, { duration: '10s' })).toBe('\r\n+SAPBR 1: DEACT\r\n');
    expect(faults.list()).toEqual([{ name: 'bearerDrop', params: { cid: 1 }, since: 10_000, until: 20_000 }]);
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nERROR\r\n');
    clock.advance(9_999);
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nERROR\r\n');
    clock.advance(1);
    expect(faults.list()).toEqual([]);
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nOK\r\n');
  });
});

describe('signal', () => {
  it('AT+CSQ shows the figures; clear brings the configured ones back', async () => {
    await ready({ modem: { rssi: 20, ber: 1 } });
    expect(await inject('signal', { rssi: 3, ber: 5 })).toBe('');
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 3,5\r\n\r\nOK\r\n');
    expect(await inject('signal', { rssi: 12 })).toBe(''); // injected again: new figures
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 12,0\r\n\r\nOK\r\n');
    await clear('signal');
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 20,1\r\n\r\nOK\r\n');
  });

  it('rssi 99 is no signal: registration is lost, and comes back with the signal', async () => {
    await ready();
    await dte.exchange('AT+CREG=1');
    expect(await inject('signal', { rssi: 99, ber: 99 })).toBe('\r\n+CREG: 2\r\n');
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 99,99\r\n\r\nOK\r\n');
    expect(await clear('signal')).toBe('\r\n+CREG: 1\r\n');
  });

  it('overlapping faults: the network returns only when neither takes it away', async () => {
    await ready();
    await dte.exchange('AT+CREG=1');
    expect(await inject('signal', { rssi: 99 })).toBe('\r\n+CREG: 2\r\n');
    expect(await inject('registrationLost')).toBe('');
    expect(await clear('signal')).toBe('');
    expect(await clear('registrationLost')).toBe('\r\n+CREG: 1\r\n');
  });
});

describe('simRemoved', () => {
  it('+CPIN: NOT READY, registration lost, CME 10; clear: +CPIN: READY, registered, Call Ready, SMS Ready', async () => {
    await ready();
    await dte.exchange('AT+CMEE=1;+CREG=1');
    await dte.exchange('AT+SAPBR=1,1');
    expect(await inject('simRemoved')).toBe('\r\n+CPIN: NOT READY\r\n\r\n+CREG: 0\r\n\r\n+SAPBR 1: DEACT\r\n\r\n+PDP: DEACT\r\n');
    expect(await dte.exchange('AT+CPIN?')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await dte.exchange('AT+CIMI')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await clear('simRemoved')).toBe('\r\n+CPIN: READY\r\n\r\n+CREG: 1\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect(await dte.exchange('AT+CPIN?')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
  });

  it('survives a power cycle: the module boots without a SIM', async () => {
    await ready({ modem: { ipr: 115200 } });
    await inject('simRemoved');
    dte.mark();
    await inject('reboot');
    expect(dte.sinceMark()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: NOT INSERTED\r\n');
    expect(await clear('simRemoved')).toBe(POWER_UP.slice('\r\nRDY\r\n\r\n+CFUN: 1\r\n'.length));
  });
});

describe('power', () => {
  it('powerDown: NORMAL POWER DOWN, then silence; clear: the power-up URCs', async () => {
    await ready({ modem: { ipr: 115200 } });
    expect(await inject('powerDown')).toBe('\r\nNORMAL POWER DOWN\r\n');
    expect(await dte.exchange('AT')).toBe('');
    expect(await clear('powerDown')).toBe(POWER_UP);
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n'); // a new power-up: echo on again
  });

  it('powerDown in the middle of a command: the last words go out, the command never answers', async () => {
    const clock = await virtual({ modem: { ipr: 115200 }, profile: 'realistic' });
    dte.mark();
    dte.write('AT+SAPBR=1,1\r');
    await dte.settle();
    faults.inject('powerDown');
    clock.advance(5_000);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nNORMAL POWER DOWN\r\n');
  });

  it('underVoltage (instant): the warning, then the power-down; clear: power up', async () => {
    await ready({ modem: { ipr: 115200 } });
    expect(await inject('underVoltage')).toBe('\r\nUNDER-VOLTAGE WARNNING\r\n\r\nUNDER-VOLTAGE POWER DOWN\r\n');
    expect(await dte.exchange('AT')).toBe('');
    expect(await clear('underVoltage')).toBe(POWER_UP);
  });

  it('underVoltage (realistic): the power-down comes underVoltageMs after the warning; powerDown no: a dip only', async () => {
    const clock = await virtual({ modem: { ipr: 115200 }, profile: 'realistic' });
    expect(await inject('underVoltage')).toBe('\r\nUNDER-VOLTAGE WARNNING\r\n');
    clock.advance(1999);
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
    dte.mark();
    clock.advance(1);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nUNDER-VOLTAGE POWER DOWN\r\n');
    await clear('underVoltage');
    clock.advance(10_000);
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CBC')).toBe('\r\n+CBC: 0,97,4177\r\n\r\nOK\r\n');
    expect(await inject('underVoltage', { powerDown: 'no' })).toBe('\r\nUNDER-VOLTAGE WARNNING\r\n');
    clock.advance(60_000);
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
    // The supply the warning is about: at or under the manual's 3.49 V threshold.
    expect(await dte.exchange('AT+CBC')).toBe('\r\n+CBC: 0,5,3450\r\n\r\nOK\r\n');
    await clear('underVoltage');
    expect(await dte.exchange('AT+CBC')).toBe('\r\n+CBC: 0,97,4177\r\n\r\nOK\r\n');
    await inject('underVoltage', { powerDown: 'no', voltage: 3400, bcl: 1 });
    expect(await dte.exchange('AT+CBC')).toBe('\r\n+CBC: 0,1,3400\r\n\r\nOK\r\n');
  });

  it('reboot: the power-up URCs again, the profile from NV; nothing stays active', async () => {
    await ready({ modem: { ipr: 115200 } });
    await dte.exchange('AT+CMEE=2');
    dte.mark();
    expect(faults.inject('reboot')).toBeNull();
    await dte.settle();
    expect(dte.sinceMark()).toBe(POWER_UP);
    expect(faults.list()).toEqual([]);
    expect(await dte.exchange('AT+CMEE?')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });
});

describe('freeze', () => {
  it('input is lost while frozen; the module answers again after the thaw', async () => {
    await ready();
    expect(await inject('freeze')).toBe('');
    expect(await dte.exchange('AT')).toBe('');
    dte.modem.urc('+LATER: 1');
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    expect(await clear('freeze')).toBe('\r\n+LATER: 1\r\n'); // what it would have said
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
  });

  it('input: hold keeps the bytes and answers them after the thaw', async () => {
    await ready();
    await inject('freeze', { input: 'hold' });
    expect(await dte.exchange('AT+CGMI')).toBe('');
    expect(await clear('freeze')).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
  });

  it('a command running when it freezes answers after the thaw; a duration thaws by itself', async () => {
    const clock = await virtual({ profile: 'realistic' });
    dte.mark();
    dte.write('AT+SAPBR=1,1\r');
    await dte.settle();
    faults.inject('freeze', {}, { duration: '5s' });
    clock.advance(1280);
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    clock.advance(3720);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    expect(faults.list()).toEqual([]);
  });

  it('a reboot ends the freeze and drops what was held', async () => {
    await ready({ modem: { ipr: 115200 } });
    await inject('freeze');
    dte.modem.urc('+STALE: 1');
    expect(await inject('reboot')).toBe(POWER_UP);
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
  });
});

describe('garble', () => {
  it('tx: every byte the module sends gets exactly one bit flipped, the same way for the same seed', async () => {
    const run = async () => {
      await ready();
      faults.inject('garble', { rate: 1, direction: 'tx' });
      const got = await dte.exchange('AT+CGMI');
      await faults.close();
      await dte.close();
      return got;
    };
    const clean = '\r\nSIMCOM_Ltd\r\n\r\nOK\r\n';
    const a = await run();
    expect(a.length).toBe(clean.length);
    for (let i = 0; i < a.length; i++) {
      const x = a.charCodeAt(i) ^ clean.charCodeAt(i);
      expect(x !== 0 && (x & (x - 1)) === 0).toBe(true);
    }
    expect(await run()).toBe(a);
  });

  it('rx: garbled commands get the module\'s answer to what arrived, never silence once a CR arrives', async () => {
    await ready();
    faults.inject('garble', { rate: 0.3, direction: 'rx' });
    let finals = 0;
    for (let i = 0; i < 20; i++) {
      const got = await dte.exchange('AT+CSQ', { raw: true });
      dte.write('\r');
      await dte.settle();
      finals += /(OK|ERROR)\r\n/.test(got + dte.sinceMark()) ? 1 : 0;
    }
    expect(faults.wire.garbled).toBeGreaterThan(0);
    faults.clear('garble');
    // The line layer is intact afterwards.
    await dte.exchange('\r', { raw: true });
    expect(await dte.exchange('AT')).toMatch(/\r\nOK\r\n$/);
    expect(finals).toBeGreaterThan(0);
  });
});

describe('checks', () => {
  beforeEach(ready);

  it.each([
    ['nope', undefined, undefined, 'unknown fault "nope" (known: registrationLost, bearerDrop, brokerDown, brokerRefuse, brokerSlow, packetLoss, signal, simRemoved, powerDown, underVoltage, reboot, freeze, garble, smsSendFail, smsServiceLost, smsStoreFull, httpDown, httpSlow)'],
    ['signal', { rssi: 40 }, undefined, 'signal: "rssi" must be an integer from 0 to 31 or 99'],
    ['signal', { rssi: '5' }, undefined, 'signal: "rssi" must be an integer from 0 to 31 or 99'],
    ['signal', { db: 5 }, undefined, 'signal: unknown parameter "db" (known: rssi, ber)'],
    ['reboot', { x: 1 }, undefined, 'reboot: unknown parameter "x" (it takes none)'],
    ['packetLoss', { rate: 1.5 }, undefined, 'packetLoss: "rate" must be a number from 0 to 1'],
    ['underVoltage', { voltage: 3600 }, undefined, 'underVoltage: "voltage" must be an integer from 3390 to 3490'],
    ['freeze', { input: 'keep' }, undefined, 'freeze: "input" must be one of drop, hold'],
    ['freeze', [], undefined, 'freeze: params must be an object'],
    ['freeze', {}, '5 s', 'freeze: duration: "5 s" is not a duration (e.g. 500ms, 5s, 1.5m)'],
    ['freeze', {}, -1, 'freeze: duration must be between 0 and 24h'],
  ])('%s %j %j', (name, params, duration, message) => {
    expect(() => faults.inject(name, params, { duration })).toThrow(message);
    expect(faults.list()).toEqual([]);
  });

  it('durations: ms, s, m, h and numbers', () => {
    for (const [d, ms] of [['250ms', 250], ['1.5s', 1500], ['2m', 120_000], ['1h', 3_600_000], [42, 42]] as const) {
      expect(faults.inject('freeze', {}, { duration: d })?.until).toBe((faults.list()[0].since) + ms);
    }
  });

  it('the catalog lists every fault with its parameters', () => {
    const cat = FaultController.catalog();
    expect(cat.map((f) => f.name)).toHaveLength(18);
    expect(cat.find((f) => f.name === 'brokerSlow')?.params.ms).toMatchObject({ type: 'number', default: 2000 });
  });
});
