/**
 * The IP application note's HTTP GET and POST examples (§3.2, §3.3: bearer, HTTPINIT,
 * CID, URL, [HTTPDATA], HTTPACTION, HTTPREAD, HTTPTERM), byte for byte with echo on,
 * against a real local HTTP server the note's host www.sim.com is mapped to; and what
 * that server received.
 */
import { startDte, type Dte } from '../helpers/dte';
import { reply, TestServer, untilLine, until } from './server';

let dte: Dte;
let server: TestServer;
afterEach(async () => {
  await dte?.close();
  await server?.close();
});

const PAGE = 'Hello from www.sim.com\r\n';
const POSTED = Buffer.from(Array.from({ length: 100 }, (_, i) => 'abcdefghij'[i % 10]).join(''), 'latin1');

async function start(): Promise<void> {
  server = await TestServer.http();
  server.route('/', reply(200, PAGE, [['Content-Type', 'text/plain']]));
  server.route('/upload', (req, res) => reply(200, `got ${req.body.length} bytes`)(req, res));
  dte = await startDte({ map: [`www.sim.com=127.0.0.1:${server.port}`] });
  await dte.exchange('AT'); // autobaud, not part of the note
  dte.mark();
}

/** Sends each line and checks the exact bytes it produced (echo, answer, URCs it waits for). */
async function step(line: string, expected: string, waitForUrc?: string): Promise<void> {
  dte.mark();
  dte.write(line + '\r');
  if (waitForUrc) await untilLine(dte, waitForUrc);
  else await until(dte, expected.slice(-6));
  expect(dte.sinceMark()).toBe(line + '\r' + expected);
}

describe('IP application note §3.2: HTTP GET', () => {
  it('runs byte for byte; the server sees GET / for www.sim.com with the module UA', async () => {
    await start();
    await step('AT+SAPBR=3,1,"Contype","GPRS"', '\r\nOK\r\n');
    await step('AT+SAPBR=3,1,"APN","CMNET"', '\r\nOK\r\n');
    await step('AT+SAPBR=1,1', '\r\nOK\r\n');
    await step('AT+HTTPINIT', '\r\nOK\r\n');
    await step('AT+HTTPPARA="CID",1', '\r\nOK\r\n');
    await step('AT+HTTPPARA="URL","www.sim.com"', '\r\nOK\r\n');
    await step('AT+HTTPACTION=0', `\r\nOK\r\n\r\n+HTTPACTION: 0,200,${PAGE.length}\r\n`, '+HTTPACTION:');
    await step('AT+HTTPREAD', `\r\n+HTTPREAD: ${PAGE.length}\r\n${PAGE}\r\nOK\r\n`);
    await step('AT+HTTPTERM', '\r\nOK\r\n');

    const req = await server.next();
    expect(req.method).toBe('GET');
    expect(req.url).toBe('/');
    expect(req.rawHeaders).toEqual([
      ['Host', 'www.sim.com'],
      ['User-Agent', 'SIMCOM_MODULE'],
      ['Connection', 'close'],
    ]);
    expect(req.body.length).toBe(0);
  });
});

describe('IP application note §3.3: HTTP POST', () => {
  it('HTTPDATA=100,10000 takes exactly 100 bytes; the server receives them and Content-Length 100', async () => {
    await start();
    await step('AT+SAPBR=3,1,"Contype","GPRS"', '\r\nOK\r\n');
    await step('AT+SAPBR=3,1,"APN","CMNET"', '\r\nOK\r\n');
    await step('AT+SAPBR=1,1', '\r\nOK\r\n');
    await step('AT+HTTPINIT', '\r\nOK\r\n');
    await step('AT+HTTPPARA="CID",1', '\r\nOK\r\n');
    await step('AT+HTTPPARA="URL","www.sim.com/upload"', '\r\nOK\r\n');
    await step('AT+HTTPDATA=100,10000', '\r\nDOWNLOAD\r\n');
    dte.mark();
    dte.write(POSTED); // not echoed
    await until(dte, 'OK\r\n');
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    const answer = 'got 100 bytes';
    await step('AT+HTTPACTION=1', `\r\nOK\r\n\r\n+HTTPACTION: 1,200,${answer.length}\r\n`, '+HTTPACTION:');
    await step('AT+HTTPREAD', `\r\n+HTTPREAD: ${answer.length}\r\n${answer}\r\nOK\r\n`);
    await step('AT+HTTPTERM', '\r\nOK\r\n');

    const req = await server.next();
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/upload');
    expect(req.rawHeaders).toEqual([
      ['Host', 'www.sim.com'],
      ['User-Agent', 'SIMCOM_MODULE'],
      ['Content-Length', '100'],
      ['Connection', 'close'],
    ]);
    expect(req.body.equals(POSTED)).toBe(true);
  });
});

describe('the walk-through of docs/http.md, echo off', () => {
  it('GET then a JSON POST with CONTENT; 201 with no body reads as just OK', async () => {
    server = await TestServer.http();
    server.route('/hello', reply(200, 'hello world'));
    server.route('/telemetry', reply(201));
    dte = await startDte({ map: [`api.example.com=127.0.0.1:${server.port}`] });
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    await dte.exchange('AT+SAPBR=3,1,"Contype","GPRS"');
    await dte.exchange('AT+SAPBR=3,1,"APN","CMNET"');
    await dte.exchange('AT+SAPBR=1,1');
    expect(await dte.exchange('AT+HTTPINIT')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPPARA="CID",1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPPARA="URL","api.example.com/hello"')).toBe('\r\nOK\r\n');
    dte.mark();
    dte.write('AT+HTTPACTION=0\r');
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,200,11\r\n');
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\n+HTTPREAD: 11\r\nhello world\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPPARA="URL","api.example.com/telemetry"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPPARA="CONTENT","application/json"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPDATA=13,10000')).toBe('\r\nDOWNLOAD\r\n');
    dte.mark();
    dte.write('{"t":21.5}...');
    expect(await until(dte, 'OK\r\n')).toBe('\r\nOK\r\n');
    dte.mark();
    dte.write('AT+HTTPACTION=1\r');
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 1,201,0\r\n');
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPTERM')).toBe('\r\nOK\r\n');

    await server.next();
    const post = await server.next();
    expect(post.rawHeaders).toEqual([
      ['Host', 'api.example.com'],
      ['User-Agent', 'SIMCOM_MODULE'],
      ['Content-Type', 'application/json'],
      ['Content-Length', '13'],
      ['Connection', 'close'],
    ]);
    expect(post.body.toString('latin1')).toBe('{"t":21.5}...');
  });
});
