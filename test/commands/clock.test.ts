/**
 * AT+CCLK (a running RTC) and AT+CLTS (network time after registration).
 * A fake clock makes seconds advance on demand; one test uses the real clock and host time.
 */
import { FakeClock, fakeClockDte, readyDte, type Dte } from '../helpers/dte';

let dte: Dte;
let clock: FakeClock;
afterEach(async () => {
  await dte?.close();
});

async function fake(modem = {}, wall = Date.UTC(2024, 5, 1, 12, 0, 0)): Promise<void> {
  clock = new FakeClock(wall);
  dte = await fakeClockDte({ modem, clock });
  await dte.exchange('AT');
  await dte.exchange('ATE0');
}

describe('AT+CCLK', () => {
  it('after power-up without network time: 04/01/01,00:00:00 and running', async () => {
    await fake({ timezone: 0 });
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "04/01/01,00:00:00+00"\r\n\r\nOK\r\n');
    clock.advance(116_000);
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "04/01/01,00:01:56+00"\r\n\r\nOK\r\n');
  });

  it('set, read back, and the clock keeps running across midnight and a leap day', async () => {
    await fake();
    expect(await dte.exchange('AT+CCLK="24/02/28,23:59:58+08"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "24/02/28,23:59:58+08"\r\n\r\nOK\r\n');
    clock.advance(3_000);
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "24/02/29,00:00:01+08"\r\n\r\nOK\r\n');
    clock.advance(24 * 3600_000);
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "24/03/01,00:00:01+08"\r\n\r\nOK\r\n');
  });

  it('negative zones and the zone limits -47..+48', async () => {
    await fake();
    for (const tz of ['-47', '+48', '-01', '+00']) {
      expect(await dte.exchange(`AT+CCLK="19/09/04,16:05:01${tz}"`)).toBe('\r\nOK\r\n');
      expect(await dte.exchange('AT+CCLK?')).toBe(`\r\n+CCLK: "19/09/04,16:05:01${tz}"\r\n\r\nOK\r\n`);
    }
  });

  it.each([
    ['unquoted', '19/09/04,16:05:01+32'],
    ['month 13', '"19/13/04,16:05:01+32"'],
    ['month 0', '"19/00/04,16:05:01+32"'],
    ['day 0', '"19/09/00,16:05:01+32"'],
    ['31 April', '"19/04/31,16:05:01+32"'],
    ['29 February of a common year', '"19/02/29,16:05:01+32"'],
    ['hour 24', '"19/09/04,24:00:00+32"'],
    ['minute 60', '"19/09/04,16:60:01+32"'],
    ['second 60', '"19/09/04,16:05:60+32"'],
    ['zone +49', '"19/09/04,16:05:01+49"'],
    ['zone -48', '"19/09/04,16:05:01-48"'],
    ['no zone', '"19/09/04,16:05:01"'],
    ['a four-digit year', '"2019/09/04,16:05:01+32"'],
    ['single digits', '"19/9/4,16:05:01+32"'],
    ['trailing text', '"19/09/04,16:05:01+32x"'],
    ['empty', '""'],
    ['two parameters', '"19/09/04,16:05:01+32",1'],
  ])('rejects %s (CME 765 / ERROR) and keeps the time', async (_what, arg) => {
    await fake();
    await dte.exchange('AT+CCLK="20/01/01,00:00:00+00"');
    expect(await dte.exchange(`AT+CCLK=${arg}`)).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange(`AT+CCLK=${arg}`)).toMatch(/^\r\n\+CME ERROR: 7(65|92)\r\n$/);
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "20/01/01,00:00:00+00"\r\n\r\nOK\r\n');
  });

  it('bare AT+CCLK is ERROR; the test form is OK', async () => {
    await fake();
    expect(await dte.exchange('AT+CCLK')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CCLK=?')).toBe('\r\nOK\r\n');
  });

  it('a restart goes back to 2004 but keeps the zone', async () => {
    await fake();
    await dte.exchange('AT+CCLK="24/02/28,23:59:58-20"');
    dte.modem.powerOn();
    await dte.exchange('AT');
    expect(await dte.exchange('AT+CCLK?')).toMatch(/^(AT\+CCLK\?\r)?\r\n\+CCLK: "04\/01\/01,00:00:00-20"\r\n\r\nOK\r\n$/);
  });
});

describe('AT+CLTS', () => {
  it('read, test, write, bad value', async () => {
    await fake();
    expect(await dte.exchange('AT+CLTS?')).toBe('\r\n+CLTS: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CLTS=?')).toBe('\r\n+CLTS: "yy/MM/dd,hh:mm:ss+/-zz"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CLTS=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CLTS?')).toBe('\r\n+CLTS: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CLTS=2')).toBe('\r\nERROR\r\n');
  });

  it('CLTS=1 + CFUN cycle: *PSUTTZ, DST, +CIEV after the ready URCs; CCLK shows network time', async () => {
    await fake({}, Date.UTC(2024, 5, 1, 12, 0, 0));
    await dte.exchange('AT+CLTS=1');
    await dte.exchange('AT+CFUN=0');
    expect(await dte.exchange('AT+CFUN=1')).toBe(
      '\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n' +
        '\r\n*PSUTTZ: 2024,6,1,12,0,0,"+32",0\r\n\r\nDST: 0\r\n\r\n+CIEV: 10,"46000","CHINA MOBILE","CMCC", 0, 0\r\n',
    );
    // UTC 12:00 plus +32 quarter hours is 20:00 local.
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "24/06/01,20:00:00+32"\r\n\r\nOK\r\n');
    clock.advance(61_000);
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "24/06/01,20:01:01+32"\r\n\r\nOK\r\n');
  });

  it('negative zone and DST from the config; no zero padding in *PSUTTZ', async () => {
    await fake({ timezone: -20, dst: 1, operatorLong: 'Telekom.de', operatorShort: 'TDG', mcc: '262', mnc: '01' }, Date.UTC(2023, 0, 2, 3, 4, 5));
    await dte.exchange('AT+CLTS=1;+CFUN=4');
    expect(await dte.exchange('AT+CFUN=1')).toBe(
      '\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n' +
        '\r\n*PSUTTZ: 2023,1,2,3,4,5,"-20",1\r\n\r\nDST: 1\r\n\r\n+CIEV: 10,"26201","Telekom.de","TDG", 0, 0\r\n',
    );
    // 03:04:05 UTC minus 5 h is the day before, 22:04:05.
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "23/01/01,22:04:05-20"\r\n\r\nOK\r\n');
  });

  it('CLTS=0: no network time on registration, the RTC stays where it was', async () => {
    await fake();
    await dte.exchange('AT+CFUN=0');
    expect(await dte.exchange('AT+CFUN=1')).toBe('\r\n+CPIN: READY\r\n\r\nOK\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
    expect(await dte.exchange('AT+CCLK?')).toBe('\r\n+CCLK: "04/01/01,00:00:00+32"\r\n\r\nOK\r\n');
  });

  it('CLTS=1 saved with &W: network time at the next power-up too (fixed rate)', async () => {
    clock = new FakeClock(Date.UTC(2024, 5, 1, 12, 0, 0));
    dte = await fakeClockDte({ modem: { ipr: 115200 }, clock });
    await dte.exchange('ATE0');
    await dte.exchange('AT+CLTS=1;&W');
    dte.mark();
    dte.modem.powerOn();
    await dte.settle();
    expect(dte.sinceMark()).toBe(
      '\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n' +
        '\r\n*PSUTTZ: 2024,6,1,12,0,0,"+32",0\r\n\r\nDST: 0\r\n\r\n+CIEV: 10,"46000","CHINA MOBILE","CMCC", 0, 0\r\n',
    );
  });

  it('real clock: after CLTS=1 and a CFUN cycle, CCLK is host UTC plus the configured zone', async () => {
    dte = await readyDte({ modem: { timezone: -18 } });
    await dte.exchange('AT+CLTS=1;+CFUN=0');
    await dte.exchange('AT+CFUN=1');
    const before = Date.now();
    const out = await dte.exchange('AT+CCLK?');
    const m = /^\r\n\+CCLK: "(\d\d)\/(\d\d)\/(\d\d),(\d\d):(\d\d):(\d\d)-18"\r\n\r\nOK\r\n$/.exec(out);
    expect(m).not.toBeNull();
    const [yy, mo, dd, hh, mi, ss] = m!.slice(1).map(Number);
    const shownUtc = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss) + 18 * 15 * 60_000;
    expect(Math.abs(shownUtc - before)).toBeLessThan(3000);
  });
});
