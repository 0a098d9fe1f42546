/**
 * What goes wrong, each with the module's answer: no bearer (601), DNS (603), refused
 * (601), a server that never answers (601 after TIMEOUT, on virtual time), not HTTP (600),
 * TLS against a plain server (605), redirects with and without REDIR, an action while one
 * runs, HTTPTERM mid-request, the bearer dropped mid-request (DEACT, then 601), the
 * firmware closing the bearer itself, and the httpSlow/httpDown faults.
 */
import { VirtualClock } from '../../src/clock';
import type { EmulatorHandle } from '../../src/emulator';
import { readyDte, type Dte } from '../helpers/dte';
import { action, closedPort, initHttp, openBearer, rawServer, reply, TestServer, untilLine, urc } from './server';

let dte: Dte;
let emu: EmulatorHandle;
let server: TestServer | undefined;
afterEach(async () => {
  await dte?.close();
  await server?.close();
  server = undefined;
});

async function withServer(opts: { clock?: VirtualClock } = {}): Promise<TestServer> {
  server = await TestServer.http();
  const d = await readyDte({ map: [`api.example.com=127.0.0.1:${server.port}`], clock: opts.clock });
  dte = d;
  emu = d.emu;
  await dte.exchange('AT+CMEE=1');
  await openBearer(dte);
  await initHttp(dte, 'api.example.com/x');
  return server;
}

describe('the network', () => {
  it('the bearer CID names is not open: OK, then 601,0', async () => {
    dte = await readyDte();
    await initHttp(dte, 'api.example.com/x');
    expect(await action(dte, 0)).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,601,0\r\n');
    await openBearer(dte, 1);
    await dte.exchange('AT+HTTPPARA="CID",2');
    expect(urc(await action(dte, 0))).toEqual([0, 601, 0]);
  });

  it('a name that does not resolve: 603,0 (LILY259 shows datalen 0)', async () => {
    dte = await readyDte();
    await openBearer(dte);
    await initHttp(dte, 'http://no-such-host.invalid/x');
    expect(urc(await action(dte, 0, 30_000))).toEqual([0, 603, 0]);
  });

  it('nothing listens on the port: 601,0', async () => {
    const port = await closedPort();
    dte = await readyDte({ map: [`api.example.com=127.0.0.1:${port}`] });
    await openBearer(dte);
    await initHttp(dte, 'api.example.com/x');
    expect(urc(await action(dte, 0))).toEqual([0, 601, 0]);
  });

  it('an answer that is not HTTP, or a connection closed before one: 600,0', async () => {
    const garbage = await rawServer('hello there\r\n\r\n');
    const silent = await rawServer(null);
    try {
      dte = await readyDte({ map: [`garbage.example=127.0.0.1:${garbage.port}`, `silent.example=127.0.0.1:${silent.port}`] });
      await openBearer(dte);
      await initHttp(dte, 'garbage.example/');
      expect(urc(await action(dte, 0))).toEqual([0, 600, 0]);
      await dte.exchange('AT+HTTPPARA="URL","silent.example/"');
      expect(urc(await action(dte, 0))).toEqual([0, 600, 0]);
    } finally {
      await garbage.close();
      await silent.close();
    }
  });

  it('HTTPSSL=1 against a plain server: 605,0; HTTPSSL=0 against a TLS server: 600,0', async () => {
    const plain = await TestServer.http();
    const tls = await TestServer.https(['api.example.com']);
    try {
      dte = await readyDte({ map: [`plain.example=127.0.0.1:${plain.port}`, `api.example.com=127.0.0.1:${tls.port}`] });
      await openBearer(dte);
      await initHttp(dte, 'plain.example/');
      await dte.exchange('AT+HTTPSSL=1');
      expect(urc(await action(dte, 0))).toEqual([0, 605, 0]);
      await dte.exchange('AT+HTTPSSL=0');
      await dte.exchange('AT+HTTPPARA="URL","api.example.com/"');
      expect(urc(await action(dte, 0))).toEqual([0, 600, 0]);
    } finally {
      await plain.close();
      await tls.close();
    }
  });
});

describe('TIMEOUT', () => {
  it('a server that never answers: nothing before TIMEOUT, then 601,0; the connection is closed', async () => {
    const clock = new VirtualClock();
    const s = await withServer({ clock });
    s.route('/x', () => undefined); // never answers
    await dte.exchange('AT+HTTPPARA="TIMEOUT",30');
    dte.mark();
    dte.write('AT+HTTPACTION=0\r');
    const req = await s.next();
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    await clock.advanceAsync(29_999);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    await clock.advanceAsync(1);
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,601,0\r\n');
    await req.closed;
  });
});

describe('redirects', () => {
  it('REDIR 0 reports the 302 with its body; REDIR 1 follows it with GET (MAN)', async () => {
    const s = await withServer();
    s.route('/x', reply(302, 'moved', [['Location', '/y']]));
    s.route('/y', reply(200, 'landed'));
    expect(urc(await action(dte, 0))).toEqual([0, 302, 5]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\n+HTTPREAD: 5\r\nmoved\r\nOK\r\n');
    await dte.exchange('AT+HTTPPARA="REDIR",1');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 6]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\n+HTTPREAD: 6\r\nlanded\r\nOK\r\n');
    expect(s.requests.map((r) => r.url)).toEqual(['/x', '/x', '/y']);
    expect(s.requests[2].headers.host).toBe('api.example.com');
  });

  it('POST: 303 continues with GET and no body; 307 repeats POST with the body', async () => {
    const s = await withServer();
    await dte.exchange('AT+HTTPPARA="REDIR",1');
    await dte.exchange('AT+HTTPDATA=4,10000');
    dte.write('data');
    await dte.settle();
    s.route('/x', reply(303, '', [['Location', 'http://api.example.com/see']]));
    s.route('/see', reply(200, 'seen'));
    expect(urc(await action(dte, 1))).toEqual([1, 200, 4]);
    expect(s.requests.slice(-1).map((r) => [r.method, r.url, r.body.length])).toEqual([['GET', '/see', 0]]);
    s.route('/x', reply(307, '', [['Location', '/again']]));
    s.route('/again', reply(200, 'again'));
    expect(urc(await action(dte, 1))).toEqual([1, 200, 5]);
    expect(s.requests.slice(-1).map((r) => [r.method, r.url, r.body.toString()])).toEqual([['POST', '/again', 'data']]);
  });

  it('a loop: after 10 hops the last 302 is reported', async () => {
    const s = await withServer();
    s.route('/x', reply(302, 'loop', [['Location', '/x']]));
    await dte.exchange('AT+HTTPPARA="REDIR",1');
    expect(urc(await action(dte, 0))).toEqual([0, 302, 4]);
    expect(s.requests.length).toBe(11);
  });
});

describe('one action at a time', () => {
  it('HTTPACTION, HTTPDATA, HTTPPARA while one runs: CME 3; HTTPREAD just OK (LILY259); one URC', async () => {
    const s = await withServer();
    let answer: (() => void) | undefined;
    s.route('/x', (req, res) => (answer = () => reply(200, 'late')(req, res)));
    dte.mark();
    dte.write('AT+HTTPACTION=0\r');
    await s.next();
    await dte.settle();
    expect(await dte.exchange('AT+HTTPACTION=0')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+HTTPDATA=1,1000')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+HTTPPARA="URL","other"')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPSTATUS?')).toMatch(/^\r\n\+HTTPSTATUS: GET,1,\d+,\d+\r\n\r\nOK\r\n$/);
    dte.mark();
    answer!();
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\n+HTTPACTION: 0,200,4\r\n');
    expect(s.requests.length).toBe(1);
  });

  it('HTTPTERM mid-request: OK, the server sees the connection close, no URC ever', async () => {
    const s = await withServer();
    s.route('/x', () => undefined);
    s.route('/next', reply(200, 'next'));
    dte.write('AT+HTTPACTION=0\r');
    const req = await s.next();
    expect(await dte.exchange('AT+HTTPTERM')).toBe('\r\nOK\r\n');
    await req.closed;
    // The next session's action is the only URC that comes.
    await initHttp(dte, 'api.example.com/next');
    expect(await action(dte, 0)).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,200,4\r\n');
  });
});

describe('the bearer during an action', () => {
  it('bearerDrop: +SAPBR 1: DEACT, then +HTTPACTION: 0,601,0; the connection is cut', async () => {
    const s = await withServer();
    s.route('/x', () => undefined);
    dte.mark();
    dte.write('AT+HTTPACTION=0\r');
    const req = await s.next();
    emu.faults.inject('bearerDrop', { cid: 1 }); // through the controller, as the control API does
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+SAPBR 1: DEACT\r\n\r\n+HTTPACTION: 0,601,0\r\n');
    await req.closed;
  });

  it('the firmware closes the bearer (AT+SAPBR=0,1): OK, then 601,0', async () => {
    const s = await withServer();
    s.route('/x', () => undefined);
    dte.write('AT+HTTPACTION=0\r');
    const req = await s.next();
    await dte.settle();
    dte.mark();
    dte.write('AT+SAPBR=0,1\r');
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,601,0\r\n');
    await req.closed;
  });
});

describe('HTTP faults', () => {
  it('httpSlow: the response waits ms on the modem clock; past TIMEOUT it is 601', async () => {
    const clock = new VirtualClock();
    const s = await withServer({ clock });
    s.route('/x', reply(200, 'ok'));
    emu.faults.inject('httpSlow', { ms: 5000 });
    dte.mark();
    dte.write('AT+HTTPACTION=0\r');
    await s.next();
    await dte.settle();
    await clock.advanceAsync(4999);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    await clock.advanceAsync(1);
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,200,2\r\n');

    emu.faults.inject('httpSlow', { ms: 40_000 });
    await dte.exchange('AT+HTTPPARA="TIMEOUT",30');
    dte.mark();
    dte.write('AT+HTTPACTION=0\r');
    await s.next();
    await clock.advanceAsync(30_000);
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,601,0\r\n');
    emu.faults.clear('httpSlow');
  });

  it('httpDown: connections refused, 601; cleared, the server is reached again', async () => {
    const s = await withServer();
    s.route('/x', reply(200, 'ok'));
    emu.faults.inject('httpDown');
    expect(urc(await action(dte, 0))).toEqual([0, 601, 0]);
    expect(s.requests.length).toBe(0);
    emu.faults.clear('httpDown');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 2]);
  });
});
