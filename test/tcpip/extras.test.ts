/**
 * Around the stack (docs/tcpip.md §3.13, §3.14): CDNSGIP through the routing table,
 * CIPPING without ICMP, CNTP from the host clock, CIPGSMLOC from config, CIPTKA, CIPACK.
 */
import { readyDte } from '../helpers/dte';
import { connectToPeer, endAll, PeerServer, prompt, sendUntil, stackUp, writeUntil } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let peer: PeerServer | undefined;
afterEach(() => endAll(dte, peer));

describe('AT+CDNSGIP', () => {
  it('a --map name: OK, then +CDNSGIP: 1,"name","address"; stack down: ERROR', async () => {
    dte = await readyDte({ map: ['iot.example.com=127.0.0.9:1883'] });
    expect(await dte.exchange('AT+CDNSGIP="iot.example.com"')).toBe('\r\nERROR\r\n');
    await stackUp(dte, 0);
    expect(await sendUntil(dte, 'AT+CDNSGIP="iot.example.com"', '+CDNSGIP: ')).toMatch(/^\r\nOK\r\n\r\n\+CDNSGIP: 1,"iot\.example\.com","127\.0\.0\.9"\r\n$/);
    expect(await sendUntil(dte, 'AT+CDNSGIP="127.0.0.1"', '+CDNSGIP: ')).toBe('\r\nOK\r\n\r\n+CDNSGIP: 1,"127.0.0.1","127.0.0.1"\r\n');
    expect(await sendUntil(dte, 'AT+CDNSGIP="localhost"', '+CDNSGIP: ')).toBe('\r\nOK\r\n\r\n+CDNSGIP: 1,"localhost","127.0.0.1"\r\n');
  });
});

describe('AT+CIPPING', () => {
  it('four replies by default, then OK; retry count from the command; no ICMP: the profile gives the time', async () => {
    dte = await readyDte();
    await stackUp(dte, 0);
    const line = '+CIPPING: %,"127.0.0.1",1,64';
    // Each reply is its own line as it comes (one framed block each), then OK.
    const replies = (n: number) => [...Array(n).keys()].map((i) => `\r\n${line.replace('%', String(i + 1))}\r\n`).join('');
    expect(await sendUntil(dte, 'AT+CIPPING="127.0.0.1"', 'OK\r\n')).toBe(`${replies(4)}\r\nOK\r\n`);
    expect(await sendUntil(dte, 'AT+CIPPING="127.0.0.1",2', 'OK\r\n')).toBe(`${replies(2)}\r\nOK\r\n`);
    expect(await dte.exchange('AT+CIPPING="127.0.0.1",0')).toBe('\r\nERROR\r\n');
  });
});

describe('AT+CNTP', () => {
  it('TinyGSM NTPServerSync: CNTPCID=1, CNTP=<server unquoted>,<tz>, CNTP → OK then +CNTP: 1; the RTC now has host time', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CNTPCID=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CNTP=pool.ntp.org,8')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CNTP?')).toBe('\r\n+CNTP: "pool.ntp.org",8\r\n\r\nOK\r\n');
    // Bearer 1 closed: the network error code.
    expect(await sendUntil(dte, 'AT+CNTP', '+CNTP: ')).toBe('\r\nOK\r\n\r\n+CNTP: 61\r\n');
    await dte.exchange('AT+SAPBR=1,1');
    expect(await sendUntil(dte, 'AT+CNTP', '+CNTP: ')).toBe('\r\nOK\r\n\r\n+CNTP: 1\r\n');
    const clk = await dte.exchange('AT+CCLK?');
    const m = /\+CCLK: "(\d\d)\/\d\d\/\d\d,\d\d:\d\d:\d\d\+08"/.exec(clk);
    expect(m).not.toBeNull();
    expect(2000 + Number(m![1])).toBe(new Date().getUTCFullYear());
  });
});

describe('AT+CIPGSMLOC', () => {
  it('=1,1: code 0, longitude, latitude, date, time from config and the RTC; without the bearer: 601', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CIPGSMLOC=1,1')).toBe('\r\n+CIPGSMLOC: 601\r\n\r\nOK\r\n');
    await dte.exchange('AT+SAPBR=1,1');
    expect(await dte.exchange('AT+CIPGSMLOC=1,1')).toMatch(/^\r\n\+CIPGSMLOC: 0,-74\.007729,40\.730160,\d{4}\/\d\d\/\d\d,\d\d:\d\d:\d\d\r\n\r\nOK\r\n$/);
    expect(await dte.exchange('AT+CIPGSMLOC=2,1')).toMatch(/^\r\n\+CIPGSMLOC: 0,\d{4}\/\d\d\/\d\d,\d\d:\d\d:\d\d\r\n\r\nOK\r\n$/);
  });
});

describe('AT+CIPTKA, AT+CIPACK', () => {
  it('CIPTKA: defaults, write, read back, range checks', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CIPTKA?')).toBe('\r\n+CIPTKA: 0,7200,75,9\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPTKA=1,60,30,3')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPTKA?')).toBe('\r\n+CIPTKA: 1,60,30,3\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPTKA=1,29')).toBe('\r\nERROR\r\n');
  });

  it('CIPACK: bytes sent, acknowledged, not acknowledged', async () => {
    ({ dte, peer } = await connectToPeer());
    expect(await dte.exchange('AT+CIPACK')).toBe('\r\n+CIPACK: 0,0,0\r\n\r\nOK\r\n');
    await prompt(dte, 'AT+CIPSEND=3');
    await writeUntil(dte, 'abc', 'SEND OK\r\n');
    expect(await dte.exchange('AT+CIPACK')).toBe('\r\n+CIPACK: 3,3,0\r\n\r\nOK\r\n');
  });
});
