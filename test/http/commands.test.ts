/**
 * The HTTP commands without a server: the service's states and their refusals (CME 3 as
 * LILY259/TCALL208 show), test forms, every HTTPPARA tag and its checks, the listing,
 * HTTPSSL, HTTPSTATUS, HTTPSCONT, HTTPDATA's data phase and its time limit, chains and
 * spaces as libraries send them, and what a power cycle does.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fakeClockDte, readyDte, type Dte, FakeClock } from '../helpers/dte';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

const OK = '\r\nOK\r\n';
const CME3 = '\r\n+CME ERROR: 3\r\n';

const LISTING = (v: Partial<Record<string, string>> = {}) => {
  const d: Record<string, string> = {
    CID: '1',
    URL: '',
    UA: 'SIMCOM_MODULE',
    PROIP: '0.0.0.0',
    PROPORT: '0',
    REDIR: '0',
    BREAK: '0',
    BREAKEND: '0',
    TIMEOUT: '120',
    CONTENT: '',
    USERDATA: '',
    ...v,
  };
  return Object.entries(d).map(([k, x]) => `${k}: ${x}\r\n`).join('');
};

describe('the service: off, ready', () => {
  beforeEach(async () => {
    dte = await readyDte();
    await dte.exchange('AT+CMEE=1');
  });

  it('before HTTPINIT every command but the test forms answers CME 3', async () => {
    for (const line of [
      'AT+HTTPTERM',
      'AT+HTTPPARA="URL","x"',
      'AT+HTTPPARA?',
      'AT+HTTPACTION=0',
      'AT+HTTPREAD',
      'AT+HTTPREAD=0,10',
      'AT+HTTPHEAD',
      'AT+HTTPDATA=10,1000',
      'AT+HTTPSSL=1',
      'AT+HTTPSSL?',
      'AT+HTTPSTATUS?',
      'AT+HTTPSCONT',
    ]) {
      expect([line, await dte.exchange(line)]).toEqual([line, CME3]);
    }
  });

  it('HTTPINIT twice: CME 3 (LILY259); HTTPTERM then HTTPINIT again: OK', async () => {
    expect(await dte.exchange('AT+HTTPINIT')).toBe(OK);
    expect(await dte.exchange('AT+HTTPINIT')).toBe(CME3);
    expect(await dte.exchange('AT+HTTPTERM')).toBe(OK);
    expect(await dte.exchange('AT+HTTPTERM')).toBe(CME3);
    expect(await dte.exchange('AT+HTTPINIT')).toBe(OK);
  });

  it('CMEE 0 and 2: ERROR and the text (TCALL208)', async () => {
    await dte.exchange('AT+CMEE=0');
    expect(await dte.exchange('AT+HTTPTERM')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT+HTTPTERM')).toBe('\r\n+CME ERROR: operation not allowed\r\n');
  });

  it('test forms, with or without the service', async () => {
    const forms: [string, string][] = [
      ['AT+HTTPINIT=?', OK],
      ['AT+HTTPTERM=?', OK],
      ['AT+HTTPHEAD=?', OK],
      ['AT+HTTPSTATUS=?', OK],
      ['AT+HTTPSCONT=?', OK],
      ['AT+HTTPPARA=?', '\r\n+HTTPPARA: "HTTPParamTag","HTTPParamValue"\r\n' + OK],
      ['AT+HTTPDATA=?', '\r\n+HTTPDATA: (1-318976),(1000-120000)\r\n' + OK],
      ['AT+HTTPACTION=?', '\r\n+HTTPACTION: (0-3)\r\n' + OK],
      ['AT+HTTPREAD=?', '\r\n+HTTPREAD: (0-318975),(1-318976)\r\n' + OK],
      ['AT+HTTPSSL=?', '\r\n+HTTPSSL: (0,1)\r\n' + OK],
    ];
    for (const [line, want] of forms) expect([line, await dte.exchange(line)]).toEqual([line, want]);
    await dte.exchange('AT+HTTPINIT');
    for (const [line, want] of forms) expect([line, await dte.exchange(line)]).toEqual([line, want]);
  });

  it('HTTPSTATUS after HTTPINIT: GET,0,0,0 (STATUS)', async () => {
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPSTATUS?')).toBe('\r\n+HTTPSTATUS: GET,0,0,0\r\n' + OK);
  });

  it('HTTPREAD and HTTPHEAD with nothing to read: just OK', async () => {
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPREAD')).toBe(OK);
    expect(await dte.exchange('AT+HTTPREAD=0,100')).toBe(OK);
    expect(await dte.exchange('AT+HTTPHEAD')).toBe(OK);
  });

  it('HTTPACTION without a URL, or with a method outside 0..3: CME 3', async () => {
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPACTION=0')).toBe(CME3);
    await dte.exchange('AT+HTTPPARA="URL","example.com"');
    expect(await dte.exchange('AT+HTTPACTION=4')).toBe(CME3);
    expect(await dte.exchange('AT+HTTPACTION')).toBe('\r\nERROR\r\n'); // no execute form
  });
});

describe('AT+HTTPPARA', () => {
  beforeEach(async () => {
    dte = await readyDte();
    await dte.exchange('AT+CMEE=1');
    await dte.exchange('AT+HTTPINIT');
  });

  it('the listing after HTTPINIT (1NCE)', async () => {
    expect(await dte.exchange('AT+HTTPPARA?')).toBe(`\r\n+HTTPPARA:\r\n${LISTING()}${OK}`);
  });

  it('every tag set, then listed', async () => {
    const set: [string, string][] = [
      ['AT+HTTPPARA="CID",2', '2'],
      ['AT+HTTPPARA="URL","http://api.example.com:8080/v1/t?id=7"', 'http://api.example.com:8080/v1/t?id=7'],
      ['AT+HTTPPARA="UA","FONA"', 'FONA'],
      ['AT+HTTPPARA="PROIP","10.0.0.172"', '10.0.0.172'],
      ['AT+HTTPPARA="PROPORT",8080', '8080'],
      ['AT+HTTPPARA="REDIR",1', '1'],
      ['AT+HTTPPARA="BREAK",2000', '2000'],
      ['AT+HTTPPARA="BREAKEND",2999', '2999'],
      ['AT+HTTPPARA="TIMEOUT",30', '30'],
      ['AT+HTTPPARA="CONTENT","application/json"', 'application/json'],
      ['AT+HTTPPARA="USERDATA","Authorization: Bearer abc\\r\\nX-Device: 7"', 'Authorization: Bearer abc\\r\\nX-Device: 7'],
    ];
    for (const [line] of set) expect([line, await dte.exchange(line)]).toEqual([line, OK]);
    expect(await dte.exchange('AT+HTTPPARA?')).toBe(
      `\r\n+HTTPPARA:\r\n${LISTING({
        CID: '2',
        URL: 'http://api.example.com:8080/v1/t?id=7',
        UA: 'FONA',
        PROIP: '10.0.0.172',
        PROPORT: '8080',
        REDIR: '1',
        BREAK: '2000',
        BREAKEND: '2999',
        TIMEOUT: '30',
        CONTENT: 'application/json',
        USERDATA: 'Authorization: Bearer abc\\r\\nX-Device: 7',
      })}${OK}`,
    );
  });

  it('tags in any case, unquoted; numbers quoted (a Python driver sends "CID","1"); an unquoted URL is the rest of the line (LILY259)', async () => {
    expect(await dte.exchange('AT+HTTPPARA=cid,3')).toBe(OK);
    expect(await dte.exchange('AT+HTTPPARA="CID","1"')).toBe(OK);
    expect(await dte.exchange('AT+HTTPPARA=URL,HTTPS://HTTPBIN.ORG/ANYTHING?a=1&b=2')).toBe(OK);
    expect(await dte.exchange('AT+HTTPPARA="Content",application/x-www-form-urlencoded')).toBe(OK);
    expect(await dte.exchange('AT+HTTPPARA?')).toBe(
      `\r\n+HTTPPARA:\r\n${LISTING({ URL: 'HTTPS://HTTPBIN.ORG/ANYTHING?a=1&b=2', CONTENT: 'application/x-www-form-urlencoded' })}${OK}`,
    );
  });

  it.each([
    ['"CID",0'],
    ['"CID",4'],
    ['"CID",x'],
    ['"PROIP","1.2.3"'],
    ['"PROIP","proxy.example.com"'],
    ['"PROPORT",65536'],
    ['"PROPORT",-1'],
    ['"REDIR",2'],
    ['"BREAK",-1'],
    ['"BREAKEND",4294967296'],
    ['"TIMEOUT",29'],
    ['"TIMEOUT",1001'],
    ['"NOPE","x"'],
    ['"URL"'],
    [''],
  ])('AT+HTTPPARA=%s: CME 3, nothing changed', async (args) => {
    expect(await dte.exchange(`AT+HTTPPARA=${args}`)).toBe(CME3);
    expect(await dte.exchange('AT+HTTPPARA?')).toBe(`\r\n+HTTPPARA:\r\n${LISTING()}${OK}`);
  });

  it('range ends are taken: TIMEOUT 30 and 1000, PROPORT 65535, BREAK 4294967295', async () => {
    for (const a of ['"TIMEOUT",30', '"TIMEOUT",1000', '"PROPORT",65535', '"BREAK",4294967295', '"CID",3', '"URL",""']) {
      expect([a, await dte.exchange(`AT+HTTPPARA=${a}`)]).toEqual([a, OK]);
    }
  });

  it('chains and spaces as libraries send them (IRCAMA, USIM, a sketch with "AT+HTTPPARA =")', async () => {
    expect(await dte.exchange('AT+HTTPPARA="CID",1;+HTTPPARA="URL","u.example/x";+HTTPPARA="REDIR",0;+HTTPSSL=1;+SSLOPT=0,1;+SSLOPT=1,0')).toBe(OK);
    expect(await dte.exchange('AT+HTTPSSL?')).toBe('\r\n+HTTPSSL: 1\r\n' + OK);
    expect(await dte.exchange('AT + HTTPPARA="URL","v.example"')).toBe(OK);
    expect(await dte.exchange('AT+HTTPPARA ="TIMEOUT",60')).toBe(OK);
    expect(await dte.exchange('AT+HTTPPARA?')).toBe(`\r\n+HTTPPARA:\r\n${LISTING({ URL: 'v.example', TIMEOUT: '60' })}${OK}`);
  });

  it('HTTPTERM and HTTPINIT: defaults again (SSL too)', async () => {
    await dte.exchange('AT+HTTPPARA="UA","x"');
    await dte.exchange('AT+HTTPSSL=1');
    await dte.exchange('AT+HTTPTERM');
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPPARA?')).toBe(`\r\n+HTTPPARA:\r\n${LISTING()}${OK}`);
    expect(await dte.exchange('AT+HTTPSSL?')).toBe('\r\n+HTTPSSL: 0\r\n' + OK);
  });
});

describe('AT+HTTPSSL', () => {
  it('0 and 1; other values CME 3', async () => {
    dte = await readyDte();
    await dte.exchange('AT+CMEE=1');
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPSSL?')).toBe('\r\n+HTTPSSL: 0\r\n' + OK);
    expect(await dte.exchange('AT+HTTPSSL=1')).toBe(OK);
    expect(await dte.exchange('AT+HTTPSSL?')).toBe('\r\n+HTTPSSL: 1\r\n' + OK);
    expect(await dte.exchange('AT+HTTPSSL=2')).toBe(CME3);
    expect(await dte.exchange('AT+HTTPSSL=0')).toBe(OK);
    expect(await dte.exchange('AT+HTTPSSL?')).toBe('\r\n+HTTPSSL: 0\r\n' + OK);
  });
});

describe('AT+HTTPSCONT: the saved context', () => {
  it('nothing saved: 0 and the defaults; saved: 1, and every later HTTPINIT starts from it, also after a power cycle', async () => {
    dte = await readyDte();
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPSCONT?')).toBe(`\r\n+HTTPSCONT: 0\r\n${LISTING()}${OK}`);
    await dte.exchange('AT+HTTPPARA="URL","saved.example/x"');
    await dte.exchange('AT+HTTPPARA="TIMEOUT",300');
    expect(await dte.exchange('AT+HTTPSCONT')).toBe(OK);
    expect(await dte.exchange('AT+HTTPSCONT?')).toBe(`\r\n+HTTPSCONT: 1\r\n${LISTING({ URL: 'saved.example/x', TIMEOUT: '300' })}${OK}`);
    await dte.exchange('AT+HTTPPARA="URL","other"');
    await dte.exchange('AT+HTTPTERM');
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPPARA?')).toBe(`\r\n+HTTPPARA:\r\n${LISTING({ URL: 'saved.example/x', TIMEOUT: '300' })}${OK}`);
  });

  it('with a state directory it outlives the emulator (written atomically)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'http-scont-'));
    dte = await readyDte({ stateDir: dir });
    await dte.exchange('AT+HTTPINIT');
    await dte.exchange('AT+HTTPPARA="UA","ubirch#1 r0.2"');
    await dte.exchange('AT+HTTPSCONT');
    await dte.close();
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('http-context'))).toEqual(['http-context.json']);
    dte = await readyDte({ stateDir: dir });
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPPARA?')).toBe(`\r\n+HTTPPARA:\r\n${LISTING({ UA: 'ubirch#1 r0.2' })}${OK}`);
  });
});

describe('AT+HTTPDATA', () => {
  it('DOWNLOAD, exactly <size> bytes of any value (not echoed), OK; HTTPREAD shows the input (MAN)', async () => {
    dte = await readyDte();
    await dte.exchange('ATE1');
    await dte.exchange('AT+HTTPINIT');
    const data = Buffer.from([0x41, 0x54, 0x0d, 0x0a, 0x00, 0xff, 0x1a, 0x1b, 0x4f, 0x4b]); // "AT\r\n", NUL, 0xff, ^Z, ESC, "OK"
    expect(await dte.exchange('AT+HTTPDATA=10,10000')).toBe('AT+HTTPDATA=10,10000\r\r\nDOWNLOAD\r\n');
    dte.mark();
    dte.write(Buffer.concat([data, Buffer.from('AT\r', 'latin1')])); // what follows the count is a command
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\nAT\r\r\nOK\r\n');
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+HTTPREAD')).toBe(`\r\n+HTTPREAD: 10\r\n${data.toString('latin1')}\r\nOK\r\n`);
  });

  it('a trailing CR LF after the data is an empty line (IRCAMA, USIM send one)', async () => {
    dte = await readyDte();
    await dte.exchange('AT+HTTPINIT');
    await dte.exchange('AT+HTTPDATA=3,10000');
    dte.mark();
    dte.write('abc\r\n');
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
  });

  it('size 1..318976, time 1000..120000; no service, CME 3 and no DOWNLOAD', async () => {
    dte = await readyDte();
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+HTTPDATA=1,1000')).toBe(CME3);
    await dte.exchange('AT+HTTPINIT');
    for (const a of ['0,1000', '318977,1000', '10,999', '10,120001', '10', 'x,1000']) {
      expect([a, await dte.exchange(`AT+HTTPDATA=${a}`)]).toEqual([a, CME3]);
    }
    expect(await dte.exchange('AT+HTTPDATA=318976,120000')).toBe('\r\nDOWNLOAD\r\n');
  });

  it('time runs out: OK, and the bytes that came are kept (USIM announces len+100)', async () => {
    const clock = new FakeClock();
    dte = await fakeClockDte({ clock });
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    await dte.exchange('AT+HTTPINIT');
    expect(await dte.exchange('AT+HTTPDATA=120,4000')).toBe('\r\nDOWNLOAD\r\n');
    dte.mark();
    dte.write('{"a":1}\r\n');
    await dte.settle();
    expect(dte.sinceMark()).toBe(''); // still collecting
    await clock.advanceAsync(3999);
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    await clock.advanceAsync(1);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\n+HTTPREAD: 9\r\n{"a":1}\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n'); // commands again
  });
});

describe('power', () => {
  it('a restart (AT+CFUN=1,1) ends the service', async () => {
    dte = await readyDte();
    await dte.exchange('AT+HTTPINIT');
    await dte.exchange('AT+CFUN=1,1');
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+HTTPTERM')).toBe(CME3);
  });
});
