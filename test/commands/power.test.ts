/**
 * Start-up, functionality and power: autobaud silence, the fixed-rate power-up URCs,
 * AT+CFUN=0/1/4 and =1,1, a missing SIM, AT+CPOWD.
 */
import { fakeClockDte, readyDte, startDte, type Dte } from '../helpers/dte';

const POWER_UP = '\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

describe('start-up', () => {
  it('autobaud (factory IPR=0): silence until the first AT, which is answered; no RDY ever', async () => {
    dte = await startDte();
    expect(dte.received()).toBe('');
    // Not synced: no echo, no answer, whatever arrives (only AT/at lock the rate).
    expect(await dte.exchange('xyz')).toBe('');
    expect(await dte.exchange('At')).toBe('');
    expect(await dte.exchange('at')).toBe('at\r\r\nOK\r\n');
  });

  it('autobaud: the first AT syncs and its line is executed', async () => {
    dte = await startDte();
    expect(await dte.exchange('AT+CGMI')).toBe('AT+CGMI\r\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    expect(dte.received()).not.toContain('RDY');
  });

  it('fixed rate (ipr 115200): the DTE sees the power-up URCs on attach', async () => {
    dte = await startDte({ modem: { ipr: 115200 } });
    expect(dte.received()).toBe(POWER_UP);
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
  });

  it('realistic timing: RDY and +CFUN, then +CPIN, then the ready URCs, at the profile times', async () => {
    dte = await fakeClockDte({ modem: { ipr: 115200 }, profile: 'realistic' });
    const fake = (dte as Dte & { clock: import('../helpers/dte').FakeClock }).clock;
    expect(dte.received()).toBe('');
    fake.advance(1499);
    await dte.settle();
    expect(dte.received()).toBe('');
    fake.advance(1);
    await dte.settle();
    expect(dte.received()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n');
    fake.advance(800);
    await dte.settle();
    expect(dte.received()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n');
    // Not registered yet: a bearer cannot open.
    expect(await dte.exchange('AT+CREG?')).toBe('AT+CREG?\r\r\n+CREG: 0,0\r\n\r\nOK\r\n');
    fake.advance(3000);
    await dte.settle();
    expect(dte.sinceMark()).toBe('AT+CREG?\r\r\n+CREG: 0,0\r\n\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
  });

  it('AT+CIURC=0 saved: no Call Ready at the next power-up', async () => {
    dte = await readyDte({ modem: { ipr: 115200 } });
    await dte.exchange('AT+CIURC=0;&W');
    dte.mark();
    dte.modem.powerOn();
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nSMS Ready\r\n');
  });
});

describe('booting', () => {
  type Clocked = Dte & { clock: import('../helpers/dte').FakeClock };

  it('until the boot time has passed the module reads nothing: no echo, no OK, no +CPIN: NOT READY', async () => {
    dte = await fakeClockDte({ modem: { ipr: 115200 }, profile: 'realistic' });
    const { clock } = dte as Clocked;
    clock.advance(35);
    expect(await dte.exchange('AT')).toBe('');
    expect(await dte.exchange('AT+CPIN?')).toBe('');
    clock.advance(1499 - 35);
    await dte.settle();
    expect(dte.received()).toBe('');
    clock.advance(1);
    await dte.settle();
    expect(dte.received()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n');
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
    // The start-up URCs do not land in the middle of the libraries' first exchanges.
    expect(dte.received()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\nAT\r\r\nOK\r\n');
  });

  it('autobaud: an AT during boot is lost; the first AT after it syncs; URCs raised before it never show, those after it do', async () => {
    dte = await fakeClockDte({ profile: 'realistic' });
    const { clock } = dte as Clocked;
    clock.advance(100);
    expect(await dte.exchange('AT')).toBe('');
    clock.advance(1500);
    await dte.settle();
    expect(dte.received()).toBe(''); // RDY and +CFUN: 1 went out at an undetected rate
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
    clock.advance(700); // SIM read 800 ms after RDY
    await dte.settle();
    expect(dte.sinceMark()).toBe('AT\r\r\nOK\r\n\r\n+CPIN: READY\r\n');
    clock.advance(3000);
    await dte.settle();
    expect(dte.received()).toBe('AT\r\r\nOK\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect(dte.received()).not.toContain('RDY\r\n\r\n+CFUN');
  });

  it('AT+CFUN=0 after RDY, before the SIM is read: CFUN and CPIN agree (0, NOT READY) for good; CFUN=1 reads it once', async () => {
    dte = await fakeClockDte({ modem: { ipr: 115200 }, profile: 'realistic' });
    const { clock } = dte as Clocked;
    clock.advance(1500);
    await dte.settle();
    expect(await dte.exchange('AT+CFUN=0')).toBe('AT+CFUN=0\r\r\nOK\r\n');
    clock.advance(800 + 3000);
    await dte.settle();
    expect(await dte.exchange('AT+CFUN?;+CPIN?;+CREG?')).toBe('AT+CFUN?;+CPIN?;+CREG?\r\r\n+CFUN: 0\r\n\r\n+CPIN: NOT READY\r\n\r\n+CREG: 0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CFUN=1')).toBe('AT+CFUN=1\r\r\n+CPIN: READY\r\n\r\nOK\r\n');
    clock.advance(3000);
    await dte.settle();
    expect(dte.sinceMark()).toBe('AT+CFUN=1\r\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect(await dte.exchange('AT+CPIN?')).toBe('AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n');
  });

  it('AT+CFUN=4 then =1 while the boot has yet to read the SIM: one +CPIN: READY, from the boot', async () => {
    dte = await fakeClockDte({ modem: { ipr: 115200 }, profile: 'realistic' });
    const { clock } = dte as Clocked;
    clock.advance(1500);
    await dte.settle();
    await dte.exchange('AT+CFUN=4');
    await dte.exchange('AT+CFUN=1');
    clock.advance(800 + 3000);
    await dte.settle();
    expect(dte.received().split('+CPIN: READY').length - 1).toBe(1);
    expect(await dte.exchange('AT+CFUN?;+CPIN?')).toBe('AT+CFUN?;+CPIN?\r\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nOK\r\n');
  });

  it('AT+CFUN=1,1 while booting: a clean restart, one set of power-up URCs', async () => {
    dte = await fakeClockDte({ modem: { ipr: 115200 }, profile: 'realistic' });
    const { clock } = dte as Clocked;
    clock.advance(1500);
    await dte.settle();
    await dte.exchange('AT+CFUN=1,1');
    dte.mark();
    clock.advance(500 + 1500 + 800 + 3000);
    await dte.settle();
    expect(dte.sinceMark()).toBe(POWER_UP);
  });
});

describe('AT+CFUN', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('read and test forms', async () => {
    expect(await dte.exchange('AT+CFUN?')).toBe('\r\n+CFUN: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CFUN=?')).toBe('\r\n+CFUN: (0,1,4),(0,1)\r\n\r\nOK\r\n');
  });

  it('=0: +CPIN: NOT READY before OK (EWF-SC exact bytes); radio, SIM and registration off', async () => {
    expect(await dte.exchange('AT+CFUN=0')).toBe('\r\n+CPIN: NOT READY\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CFUN?')).toBe('\r\n+CFUN: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CPIN?')).toBe('\r\n+CPIN: NOT READY\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CREG?')).toBe('\r\n+CREG: 0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSQ')).toBe('\r\n+CSQ: 99,99\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 0\r\n\r\nOK\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CIMI')).toBe('\r\n+CME ERROR: 14\r\n');
  });

  it('=0 twice: the second one changes nothing and says nothing more', async () => {
    await dte.exchange('AT+CFUN=0');
    expect(await dte.exchange('AT+CFUN=0')).toBe('\r\nOK\r\n');
  });

  it('=1 from 0: +CPIN: READY before OK, Call Ready and SMS Ready after (MQTT-AN example 2)', async () => {
    await dte.exchange('AT+CFUN=0');
    expect(await dte.exchange('AT+CFUN=1')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect(await dte.exchange('AT+CREG?')).toBe('\r\n+CREG: 0,1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 1\r\n\r\nOK\r\n');
  });

  it('=4 flight mode: the SIM stays ready, the radio goes; =1 registers again', async () => {
    expect(await dte.exchange('AT+CFUN=4')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CPIN?')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIMI')).toBe('\r\n460008184101641\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CREG?')).toBe('\r\n+CREG: 0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+COPS?')).toBe('\r\n+COPS: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CFUN=1')).toBe('\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect(await dte.exchange('AT+CREG?')).toBe('\r\n+CREG: 0,1\r\n\r\nOK\r\n');
  });

  it('=0 with a bearer open: +SAPBR 1: DEACT, +PDP: DEACT, +CPIN: NOT READY, then OK (a captured module log: docs/decisions.md)', async () => {
    await dte.exchange('AT+SAPBR=1,1');
    expect(await dte.exchange('AT+CFUN=0')).toBe('\r\n+SAPBR 1: DEACT\r\n\r\n+PDP: DEACT\r\n\r\n+CPIN: NOT READY\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
  });

  it('bad values: CME 765 under CMEE=1, ERROR under 0', async () => {
    expect(await dte.exchange('AT+CFUN=2')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CFUN=2')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CFUN=1,2')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CFUN?')).toBe('\r\n+CFUN: 1\r\n\r\nOK\r\n');
  });
});

describe('AT+CFUN=1,1 (restart)', () => {
  it('fixed rate: OK, then the power-up sequence; settings, bearer and radio state are reset', async () => {
    dte = await readyDte({ modem: { ipr: 115200 } });
    await dte.exchange('AT+CMEE=2;+CREG=1;+SAPBR=1,1;+CFUN=4');
    expect(await dte.exchange('AT+CFUN=1,1')).toBe('\r\nOK\r\n' + POWER_UP);
    // Echo is back (factory profile), CMEE and CREG n are back to 0, the bearer is gone.
    expect(await dte.exchange('AT+CMEE?;+CREG?;+CFUN?;+SAPBR=2,1')).toBe(
      'AT+CMEE?;+CREG?;+CFUN?;+SAPBR=2,1\r\r\n+CMEE: 0\r\n\r\n+CREG: 0,1\r\n\r\n+CFUN: 1\r\n\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n',
    );
  });

  it('TinyGSM restart(): AT&W, AT+CFUN=0, AT+CFUN=1,1 then init again', async () => {
    dte = await readyDte({ modem: { ipr: 115200 } });
    expect(await dte.exchange('AT&W')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CFUN=0')).toBe('\r\n+CPIN: NOT READY\r\n\r\nOK\r\n');
    // The profile saved with echo off survives the restart.
    expect(await dte.exchange('AT+CFUN=1,1')).toBe('\r\nOK\r\n' + POWER_UP);
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
  });

  it('autobaud: OK, then silence until the DTE syncs again', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CFUN=1,1')).toBe('\r\nOK\r\n');
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
  });

  it('a partial line typed before the restart is forgotten', async () => {
    dte = await readyDte({ modem: { ipr: 115200 } });
    await dte.exchange('AT+CFUN=1,1');
    dte.write('AT+CG');
    dte.modem.restart();
    await dte.settle();
    expect(await dte.exchange('MI')).toBe('MI\r');
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
  });
});

describe('no SIM', () => {
  beforeEach(async () => {
    dte = await startDte({ modem: { ipr: 115200, simInserted: false } });
  });

  it('+CPIN: NOT INSERTED at start-up, no ready URCs', async () => {
    expect(dte.received()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: NOT INSERTED\r\n');
  });

  it('AT+CPIN? answers CME 10; SIM reads too; no registration, no bearer', async () => {
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CPIN?')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CPIN?')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await dte.exchange('AT+CIMI')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await dte.exchange('AT+CCID')).toBe('\r\n+CME ERROR: 10\r\n');
    expect(await dte.exchange('AT+CREG?')).toBe('\r\n+CREG: 0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT=1')).toBe('\r\n+CME ERROR: 30\r\n');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\n+CME ERROR: 3\r\n');
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+CPIN?')).toBe('\r\n+CME ERROR: SIM not inserted\r\n');
  });

  it('a CFUN cycle reports the missing SIM again', async () => {
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CFUN=0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CFUN=1')).toBe('\r\n+CPIN: NOT INSERTED\r\n\r\nOK\r\n');
  });
});

describe('AT+CPOWD', () => {
  it('=1: NORMAL POWER DOWN, then silence; the module answers again only after power-on', async () => {
    dte = await readyDte({ modem: { ipr: 115200 } });
    expect(await dte.exchange('AT+CPOWD=1')).toBe('\r\nNORMAL POWER DOWN\r\n');
    expect(await dte.exchange('AT')).toBe('');
    dte.modem.urc('+LATE: 1');
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    dte.modem.powerOn();
    await dte.settle();
    expect(dte.sinceMark()).toBe(POWER_UP);
  });

  it('=0 (urgent): no text at all', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CPOWD=0')).toBe('');
    expect(await dte.exchange('AT')).toBe('');
  });

  it('the rest of a line after AT+CPOWD=1 is not executed', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CPOWD=1;+CGMI')).toBe('\r\nNORMAL POWER DOWN\r\n');
  });

  it('test form and bad values', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CPOWD=?')).toBe('\r\n+CPOWD: (0,1)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CPOWD=2')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CPOWD')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
  });
});

describe('power lost while a command runs', () => {
  it('the running command never answers; after power-on only the new session speaks', async () => {
    const { FakeClock } = await import('../helpers/dte');
    const clock = new FakeClock();
    dte = await fakeClockDte({ modem: { ipr: 115200 }, profile: 'realistic', clock });
    clock.advance(10_000);
    await dte.exchange('ATE0');
    dte.mark();
    dte.write('AT+SAPBR=1,1\r'); // 1280 ms on the realistic profile
    await dte.settle();
    expect(dte.modem.engine.isBusy).toBe(true);
    dte.modem.urc('+QUEUED: 1');
    dte.modem.powerDown();
    clock.advance(2_000);
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    dte.modem.powerOn();
    clock.advance(10_000);
    await dte.settle();
    expect(dte.sinceMark()).toBe(POWER_UP);
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('AT+SAPBR=2,1\r\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
  });

  it('a restart during a slow command: the old answer does not leak into the new session', async () => {
    const { FakeClock } = await import('../helpers/dte');
    const clock = new FakeClock();
    dte = await fakeClockDte({ modem: { ipr: 115200 }, profile: 'realistic', clock });
    clock.advance(10_000);
    await dte.exchange('ATE0');
    dte.mark();
    dte.write('AT+SAPBR=1,1\r');
    await dte.settle();
    dte.modem.restart();
    clock.advance(500 + 1500); // restart, then boot: RDY and +CFUN; the old 1280 ms passed too
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n');
    expect(dte.modem.engine.isBusy).toBe(false);
  });
});
