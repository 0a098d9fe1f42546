/** AT+SAPBR (manual §9.2.1; docs/decisions.md, Modem): modes 0..4, tags, limits, status, errors. */
import { FakeClock, fakeClockDte, readyDte, type Dte } from '../helpers/dte';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

const LISTING = (apn = '', user = '', pwd = '', contype = 'GPRS', rate = '2', phone = '') =>
  `\r\n+SAPBR:\r\nCONTYPE: ${contype}\r\nAPN: ${apn}\r\nPHONENUM: ${phone}\r\nUSER: ${user}\r\nPWD: ${pwd}\r\nRATE: ${rate}\r\n\r\nOK\r\n`;

describe('parameters (mode 3) and listing (mode 4)', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('test form', async () => {
    expect(await dte.exchange('AT+SAPBR=?')).toBe('\r\n+SAPBR: (0-4),(1-3),"ConParamTag","ConParamValue"\r\n\r\nOK\r\n');
  });

  it('defaults, then set and list (MQTT-AN example 1)', async () => {
    expect(await dte.exchange('AT+SAPBR=4,1')).toBe(LISTING());
    expect(await dte.exchange('AT+SAPBR=3,1,"Contype","GPRS"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"APN","CMNET"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"USER","u"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"PWD","p"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=4,1')).toBe(LISTING('CMNET', 'u', 'p'));
  });

  it('tags in any case and unquoted (LILY259); values unquoted too', async () => {
    expect(await dte.exchange('AT+SAPBR=3,1,Contype,GPRS')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,apn,internet')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"aPn","web.example"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"contype","csd"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"RATE","3"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"PHONENUM","+123"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=4,1')).toBe(LISTING('web.example', '', '', 'CSD', '3', '+123'));
  });

  it('each profile keeps its own parameters', async () => {
    await dte.exchange('AT+SAPBR=3,2,"APN","two"');
    expect(await dte.exchange('AT+SAPBR=4,1')).toBe(LISTING());
    expect(await dte.exchange('AT+SAPBR=4,2')).toBe(LISTING('two'));
  });

  it('value limits: APN 64, USER 32, PWD 32, RATE 0..3, CONTYPE GPRS|CSD', async () => {
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange(`AT+SAPBR=3,1,"APN","${'a'.repeat(64)}"`)).toBe('\r\nOK\r\n');
    expect(await dte.exchange(`AT+SAPBR=3,1,"APN","${'a'.repeat(65)}"`)).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange(`AT+SAPBR=3,1,"USER","${'u'.repeat(32)}"`)).toBe('\r\nOK\r\n');
    expect(await dte.exchange(`AT+SAPBR=3,1,"USER","${'u'.repeat(33)}"`)).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange(`AT+SAPBR=3,1,"PWD","${'p'.repeat(33)}"`)).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"RATE","4"')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"CONTYPE","WIFI"')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"PROXY","1.2.3.4"')).toBe('\r\n+CME ERROR: 765\r\n');
    // The failed writes changed nothing.
    expect(await dte.exchange('AT+SAPBR=4,1')).toBe(LISTING('a'.repeat(64), 'u'.repeat(32)));
  });

  it('malformed and short or long lines', async () => {
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+SAPBR=3,1,"APN"')).toBe('\r\n+CME ERROR: 791\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"APN","a","b"')).toBe('\r\n+CME ERROR: 792\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1,"APN"')).toBe('\r\n+CME ERROR: 792\r\n');
    expect(await dte.exchange('AT+SAPBR=1')).toBe('\r\n+CME ERROR: 791\r\n');
    expect(await dte.exchange('AT+SAPBR=')).toBe('\r\n+CME ERROR: 791\r\n');
    expect(await dte.exchange('AT+SAPBR=3,1,"APN"x,"y"')).toBe('\r\n+CME ERROR: 795\r\n');
    // An unterminated quote breaks the line itself: plain ERROR.
    expect(await dte.exchange('AT+SAPBR=3,1,"APN,"x"')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+SAPBR=x,1')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+SAPBR=5,1')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+SAPBR=2,0')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+SAPBR=2,4')).toBe('\r\n+CME ERROR: 765\r\n');
    await dte.exchange('AT+CMEE=0');
    expect(await dte.exchange('AT+SAPBR=2,4')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+SAPBR?')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+SAPBR')).toBe('\r\nERROR\r\n');
  });
});

describe('open, query, close (modes 1, 2, 0)', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('closed: 1,3,"0.0.0.0"; open: connected with the first pool address', async () => {
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,1,"10.89.193.1"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=0,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
  });

  it('a new address per activation, from the configured pool', async () => {
    await dte.close();
    dte = await readyDte({ modem: { ipPool: '100.64.8.0/29' } });
    const ips: string[] = [];
    for (let i = 0; i < 7; i++) {
      await dte.exchange('AT+SAPBR=1,1');
      ips.push(/"([\d.]+)"/.exec(await dte.exchange('AT+SAPBR=2,1'))![1]);
      await dte.exchange('AT+SAPBR=0,1');
    }
    // A /29 has six host addresses; the seventh activation cycles back to the first.
    expect(ips).toEqual(['100.64.8.1', '100.64.8.2', '100.64.8.3', '100.64.8.4', '100.64.8.5', '100.64.8.6', '100.64.8.1']);
  });

  it('three profiles open at once, each its own address', async () => {
    await dte.exchange('AT+SAPBR=1,1;+SAPBR=1,2;+SAPBR=1,3');
    expect(await dte.exchange('AT+SAPBR=2,1;+SAPBR=2,2;+SAPBR=2,3')).toBe(
      '\r\n+SAPBR: 1,1,"10.89.193.1"\r\n\r\n+SAPBR: 2,1,"10.89.193.2"\r\n\r\n+SAPBR: 3,1,"10.89.193.3"\r\n\r\nOK\r\n',
    );
  });

  it('open when open: CME 3 (operation not allowed) / ERROR; the bearer stays up', async () => {
    await dte.exchange('AT+SAPBR=1,1');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\n+CME ERROR: 3\r\n');
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\n+CME ERROR: operation not allowed\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,1,"10.89.193.1"\r\n\r\nOK\r\n');
  });

  it('close when closed: ERROR (BLE16, BB10)', async () => {
    expect(await dte.exchange('AT+SAPBR=0,1')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+SAPBR=1,1;+SAPBR=0,1');
    expect(await dte.exchange('AT+SAPBR=0,1')).toBe('\r\nERROR\r\n');
  });

  it('closing by the DTE prints no URC', async () => {
    await dte.exchange('AT+SAPBR=1,1');
    expect(await dte.exchange('AT+SAPBR=0,1')).toBe('\r\nOK\r\n');
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
  });

  it('no bearer without radio, SIM or registration', async () => {
    await dte.exchange('AT+CMEE=1;+CFUN=4');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\n+CME ERROR: 3\r\n');
    await dte.exchange('AT+CFUN=0');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
  });

  it('no bearer while the network is gone (registration searching)', async () => {
    await dte.exchange('AT+CMEE=1;+CREG=1');
    dte.mark();
    dte.modem.setNetworkAvailable(false);
    dte.modem.updateRegistration((l) => dte.modem.urc(l));
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n+CREG: 2\r\n');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\n+CME ERROR: 3\r\n');
  });

  it('opens after AT+CGATT=0: activation attaches first', async () => {
    await dte.exchange('AT+CGATT=0');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 1\r\n\r\nOK\r\n');
  });

  it('the network drops it: +SAPBR 1: DEACT, status closed, reopen works', async () => {
    await dte.exchange('AT+SAPBR=1,1');
    dte.mark();
    expect(dte.modem.dropBearer(1)).toBe(true);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n+SAPBR 1: DEACT\r\n');
    expect(dte.modem.dropBearer(1)).toBe(false);
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=1,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,1,"10.89.193.2"\r\n\r\nOK\r\n');
  });

  it('a restart closes every bearer', async () => {
    await dte.exchange('AT+SAPBR=1,1');
    dte.modem.powerOn();
    await dte.exchange('AT;E0');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
  });
});

describe('timing (realistic profile, fake clock)', () => {
  let clock: FakeClock;
  beforeEach(async () => {
    clock = new FakeClock();
    dte = await fakeClockDte({ modem: { ipr: 115200 }, profile: 'realistic', clock });
    clock.advance(10_000); // through boot and registration
    await dte.exchange('ATE0');
  });

  it('status 0 (connecting) until the context is up, then OK; 2 (closing) on close', async () => {
    dte.mark();
    dte.write('AT+SAPBR=1,1\r');
    await dte.settle();
    expect(dte.modem.bearers.get(1)!.status).toBe(0);
    expect(dte.sinceMark()).toBe('');
    clock.advance(1279);
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    clock.advance(1);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    expect(dte.modem.bearers.get(1)!.status).toBe(1);

    dte.mark();
    dte.write('AT+SAPBR=0,1\r');
    await dte.settle();
    expect(dte.modem.bearers.get(1)!.status).toBe(2);
    clock.advance(300);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    expect(dte.modem.bearers.get(1)!.status).toBe(3);
  });

  it('a bearer dropped while a slow command runs: its URC waits for that OK', async () => {
    dte.write('AT+SAPBR=1,2\r');
    clock.advance(1280);
    await dte.settle();
    dte.mark();
    dte.write('AT+SAPBR=1,1\r'); // takes 1280 ms
    await dte.settle();
    expect(dte.modem.engine.isBusy).toBe(true);
    expect(dte.modem.dropBearer(2)).toBe(true);
    dte.modem.urc('+TEST: during');
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    clock.advance(1280);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n\r\n+SAPBR 2: DEACT\r\n\r\n+TEST: during\r\n');
  });

  it('the network goes away while the bearer opens: ERROR (CME 3), status closed', async () => {
    dte.mark();
    dte.write('AT+SAPBR=1,1\r');
    await dte.settle();
    dte.modem.setNetworkAvailable(false);
    dte.modem.updateRegistration(() => undefined);
    clock.advance(1280);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nERROR\r\n');
    expect(dte.modem.bearers.get(1)!.status).toBe(3);
  });
});
