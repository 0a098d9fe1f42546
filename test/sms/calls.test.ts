/**
 * Voice calls, on a virtual clock so the RING cadence and the caller's patience are exact:
 * RING/+CLIP/+CRING/+CLCC URCs, ATA, ATH/AT+CHUP/AT+HVOIC, NO CARRIER when the caller gives
 * up or hangs up, AT+GSMBUSY, ATS0 auto-answer, AT+CLCC and AT+CPAS; outgoing ATD with every
 * outcome the control API can pick, with +COLP and +MORING; DTMF with AT+VTS.
 */
import { VirtualClock } from '../../src/clock';
import { FROM, smsDte, type SmsDte } from './helpers';

let dte: SmsDte;
let clock: VirtualClock;
beforeEach(async () => {
  clock = new VirtualClock();
  dte = await smsDte({ clock });
});
afterEach(async () => {
  await dte?.close();
});

const ok = '\r\nOK\r\n';
const RING = '\r\nRING\r\n';
const CLIP = `\r\n+CLIP: "${FROM}",145,"",0,"",0\r\n`;
const tick = async (ms: number) => {
  await clock.advanceAsync(ms);
  return dte.urcs();
};

describe('an incoming call', () => {
  it('RING every ringIntervalMs with +CLIP when CLIP=1; NO CARRIER when the caller gives up', async () => {
    await dte.exchange('AT+CLIP=1');
    const r = await dte.api('POST', '/call', { from: FROM, ringIntervalMs: 3000, giveUpAfterMs: 10000 });
    expect(r.status).toBe(201);
    expect(await dte.urcs()).toBe(RING + CLIP);
    expect(await tick(2999)).toBe('');
    expect(await tick(1)).toBe(RING + CLIP);
    expect(await tick(6000)).toBe(RING + CLIP + RING + CLIP);
    expect(await tick(1000)).toBe('\r\nNO CARRIER\r\n');
    expect((await dte.api('GET', '/calls')).json.calls[0]).toMatchObject({ id: r.json.call.id, dir: 'in', number: FROM, state: 'ended', rings: 4, endedBy: 'caller' });
    expect(await tick(10000)).toBe('');
  });

  it('without CLIP only RING; with CRC=1 +CRING: VOICE', async () => {
    await dte.api('POST', '/call', { from: FROM });
    expect(await dte.urcs()).toBe(RING);
    await dte.exchange('AT+CRC=1');
    expect(await tick(3000)).toBe('\r\n+CRING: VOICE\r\n');
  });

  it('a withheld number: +CLIP: "",128,"",0,"",1', async () => {
    await dte.exchange('AT+CLIP=1');
    await dte.api('POST', '/call', { from: FROM, withheld: true });
    expect(await dte.urcs()).toBe(RING + '\r\n+CLIP: "",128,"",0,"",1\r\n');
  });

  it('ATA answers: OK, +CLCC active, the rings stop; the caller hangs up: NO CARRIER', async () => {
    await dte.api('POST', '/call', { from: FROM, hangUpAfterMs: 5000 });
    await dte.urcs();
    expect(await dte.exchange('AT+CLCC')).toBe(`\r\n+CLCC: 1,1,4,0,0,"${FROM}",145,""\r\n` + ok);
    expect(await dte.exchange('AT+CPAS')).toBe('\r\n+CPAS: 3\r\n' + ok);
    expect(await dte.exchange('ATA')).toBe(ok);
    expect(await dte.exchange('AT+CLCC')).toBe(`\r\n+CLCC: 1,1,0,0,0,"${FROM}",145,""\r\n` + ok);
    expect(await dte.exchange('AT+CPAS')).toBe('\r\n+CPAS: 4\r\n' + ok);
    expect(await tick(4999)).toBe('');
    expect(await tick(1)).toBe('\r\nNO CARRIER\r\n');
    expect(await dte.exchange('AT+CLCC')).toBe(ok);
    expect(await dte.exchange('AT+CPAS')).toBe('\r\n+CPAS: 0\r\n' + ok);
  });

  it.each(['ATH', 'ATH0', 'AT+CHUP', 'AT+HVOIC'])('%s ends it: OK, no NO CARRIER, the call ended by the device', async (cmd) => {
    await dte.api('POST', '/call', { from: FROM });
    await dte.urcs();
    expect(await dte.exchange(cmd)).toBe(ok);
    expect(await tick(60000)).toBe('');
    expect((await dte.api('GET', '/calls')).json.calls[0]).toMatchObject({ state: 'ended', endedBy: 'device' });
  });

  it('ATA without a call is NO CARRIER; ATH without one is OK', async () => {
    expect(await dte.exchange('ATA')).toBe('\r\nNO CARRIER\r\n');
    expect(await dte.exchange('ATH')).toBe(ok);
  });

  it('+CLCC=1 reports every state change', async () => {
    await dte.exchange('AT+CLCC=1');
    await dte.api('POST', '/call', { from: FROM });
    expect(await dte.urcs()).toBe(RING + `\r\n+CLCC: 1,1,4,0,0,"${FROM}",145,""\r\n`);
    expect(await dte.exchange('ATA')).toBe(ok + `\r\n+CLCC: 1,1,0,0,0,"${FROM}",145,""\r\n`);
    expect(await dte.exchange('ATH')).toBe(ok + `\r\n+CLCC: 1,1,6,0,0,"${FROM}",145,""\r\n`);
  });

  it('GSMBUSY=1 rejects calls: nothing shown, the caller hears busy', async () => {
    expect(await dte.exchange('AT+GSMBUSY=1')).toBe(ok);
    expect(await dte.exchange('AT+GSMBUSY?')).toBe('\r\n+GSMBUSY: 1\r\n' + ok);
    await dte.api('POST', '/call', { from: FROM });
    expect(await dte.urcs()).toBe('');
    expect((await dte.api('GET', '/calls')).json.calls[0]).toMatchObject({ state: 'ended', endedBy: 'busy' });
  });

  it('ATS0=2 answers on the second ring', async () => {
    await dte.exchange('ATS0=2');
    await dte.api('POST', '/call', { from: FROM });
    expect(await dte.urcs()).toBe(RING);
    expect(await tick(3000)).toBe(RING);
    expect((await dte.api('GET', '/calls')).json.calls[0]).toMatchObject({ state: 'active' });
  });

  it('the control API acts as the caller: hangup', async () => {
    const { json } = await dte.api('POST', '/call', { from: FROM });
    await dte.urcs();
    expect((await dte.api('POST', `/calls/${json.call.id}`, { action: 'hangup' })).status).toBe(200);
    expect(await dte.urcs()).toBe('\r\nNO CARRIER\r\n');
  });
});

describe('an outgoing call', () => {
  it('COLP=0: OK at once; dialling, alerting, answered; MORING=1 shows MO RING and MO CONNECTED; AT+VTS records DTMF', async () => {
    await dte.exchange('AT+MORING=1');
    await dte.api('POST', '/call', { to: FROM, outcome: 'answer', afterMs: 4000 });
    expect(await dte.exchange(`ATD${FROM};`)).toBe(ok);
    expect(await dte.exchange('AT+CLCC')).toBe(`\r\n+CLCC: 1,0,2,0,0,"${FROM}",145,""\r\n` + ok);
    expect(await tick(0)).toBe('\r\nMO RING\r\n'); // alertMs is 0 in the instant profile
    expect(await dte.exchange('AT+CLCC')).toBe(`\r\n+CLCC: 1,0,3,0,0,"${FROM}",145,""\r\n` + ok);
    expect(await tick(3999)).toBe('');
    expect(await tick(1)).toBe('\r\nMO CONNECTED\r\n'); // afterMs counts from alerting
    expect(await dte.exchange('AT+VTS=1;+VTS="#"')).toBe(ok);
    expect(await dte.exchange('ATH')).toBe(ok);
    expect((await dte.api('GET', '/calls')).json.calls[0]).toMatchObject({ dir: 'out', number: FROM, dtmf: '1#', endedBy: 'device' });
  });

  it.each([
    ['busy', '\r\nBUSY\r\n'],
    ['no-answer', '\r\nNO ANSWER\r\n'],
    ['unreachable', '\r\nNO CARRIER\r\n'],
  ])('outcome %s: OK, then %j', async (outcome, urc) => {
    await dte.api('POST', '/call', { to: '*', outcome, afterMs: 1000 });
    expect(await dte.exchange(`ATD${FROM};`)).toBe(ok);
    expect(await tick(1000)).toBe(urc);
  });

  it('COLP=1: the command waits; +COLP then OK when answered, BUSY as the final result', async () => {
    await dte.exchange('AT+COLP=1');
    await dte.api('POST', '/call', { to: FROM, outcome: 'answer', afterMs: 1000 });
    dte.mark();
    dte.write(`ATD${FROM};\r`);
    expect(await dte.urcs()).toBe('');
    expect(await tick(1000)).toBe(`\r\n+COLP: "${FROM}",145,"",0,""\r\n` + ok);
    await dte.exchange('ATH');
    await dte.api('POST', '/call', { to: FROM, outcome: 'busy', afterMs: 0 });
    await dte.urcs();
    dte.write(`ATD${FROM};\r`);
    expect(await tick(0)).toBe('\r\nBUSY\r\n');
  });

  it('no rule: alerting until the control API answers; then the far end hangs up', async () => {
    expect(await dte.exchange(`ATD${FROM};`)).toBe(ok);
    const id = (await dte.api('GET', '/calls')).json.calls[0].id;
    await dte.api('POST', `/calls/${id}`, { action: 'answer' });
    expect(await dte.exchange('AT+CLCC')).toBe(`\r\n+CLCC: 1,0,0,0,0,"${FROM}",145,""\r\n` + ok);
    await dte.api('POST', `/calls/${id}`, { action: 'hangup' });
    expect(await dte.urcs()).toBe('\r\nNO CARRIER\r\n');
  });

  it('no rule and no decision: NO ANSWER after 60 s', async () => {
    expect(await dte.exchange(`ATD${FROM};`)).toBe(ok);
    expect(await tick(59999)).toBe('');
    expect(await tick(1)).toBe('\r\nNO ANSWER\r\n');
  });

  it('a data call (no ";") and dialling while unregistered are NO CARRIER; AT+VTS without a call is CME 3', async () => {
    expect(await dte.exchange(`ATD${FROM}`)).toBe('\r\nNO CARRIER\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+VTS=1')).toBe('\r\n+CME ERROR: 3\r\n');
    await dte.exchange('AT+CFUN=4');
    expect(await dte.exchange(`ATD${FROM};`)).toBe('\r\nNO CARRIER\r\n');
  });
});
