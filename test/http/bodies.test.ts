/**
 * Bodies both ways against a real local server: 0 bytes, 1 byte, every byte value, a body
 * holding `\r\nOK\r\n`, the module's maximum and one byte more (602); HTTPREAD in ranges;
 * HEAD and HTTPHEAD; POST and DELETE; and the request head the server receives (UA,
 * CONTENT, USERDATA, BREAK/BREAKEND, Host with a port, path and query).
 */
import { readyDte, type Dte } from '../helpers/dte';
import { action, initHttp, openBearer, reply, TestServer, urc } from './server';

let dte: Dte;
let server: TestServer;
afterEach(async () => {
  await dte?.close();
  await server?.close();
});

const MAX = 318976;
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

async function setup(path = '/b'): Promise<void> {
  server = await TestServer.http();
  dte = await readyDte({ map: [`api.example.com=127.0.0.1:${server.port}`] });
  await dte.exchange('AT+CMEE=1');
  await openBearer(dte);
  await initHttp(dte, `api.example.com${path}`);
}

const read = (bytes: Buffer | string) => {
  const s = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  return `\r\n+HTTPREAD: ${s.length}\r\n${s}\r\nOK\r\n`;
};

describe('response bodies', () => {
  it('0 bytes: datalen 0, HTTPREAD just OK', async () => {
    await setup();
    server.route('/b', reply(200));
    expect(urc(await action(dte, 0))).toEqual([0, 200, 0]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\nOK\r\n');
  });

  it('1 byte', async () => {
    await setup();
    server.route('/b', reply(200, 'x'));
    expect(urc(await action(dte, 0))).toEqual([0, 200, 1]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe(read('x'));
  });

  it('every byte value, unchanged; reading again gives the same bytes', async () => {
    await setup();
    server.route('/b', reply(200, ALL_BYTES, [['Content-Type', 'application/octet-stream']]));
    expect(urc(await action(dte, 0))).toEqual([0, 200, 256]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe(read(ALL_BYTES));
    expect(await dte.exchange('AT+HTTPREAD')).toBe(read(ALL_BYTES));
  });

  it('a body holding \\r\\nOK\\r\\n and +HTTPACTION: lines is only data', async () => {
    await setup();
    const body = 'a\r\nOK\r\n\r\n+HTTPACTION: 0,200,5\r\nb';
    server.route('/b', reply(200, body));
    expect(urc(await action(dte, 0))).toEqual([0, 200, body.length]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe(read(body));
  });

  it('a chunked response (no Content-Length) is counted when it is complete', async () => {
    await setup();
    server.route('/b', (_req, res) => {
      res.sendDate = false;
      res.write('chunk-1;');
      setTimeout(() => res.end('chunk-2'), 20);
    });
    expect(urc(await action(dte, 0))).toEqual([0, 200, 15]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe(read('chunk-1;chunk-2'));
  });

  it('the maximum, 318976 bytes, reads whole and in ranges; one byte more is 602,0', async () => {
    await setup();
    const big = Buffer.alloc(MAX, 0x5a);
    big.write('HEAD', 0, 'latin1');
    big.write('TAIL', MAX - 4, 'latin1');
    server.route('/b', reply(200, big));
    server.route('/c', reply(200, Buffer.alloc(MAX + 1, 0x41)));
    expect(urc(await action(dte, 0))).toEqual([0, 200, MAX]);
    expect(await dte.exchange('AT+HTTPREAD=0,4')).toBe(read('HEAD'));
    expect(await dte.exchange(`AT+HTTPREAD=${MAX - 4},100`)).toBe(read('TAIL'));
    const whole = await dte.exchange('AT+HTTPREAD');
    expect(whole.length).toBe(read(big).length);
    expect(whole === read(big)).toBe(true);
    await dte.exchange('AT+HTTPPARA="URL","api.example.com/c"');
    expect(urc(await action(dte, 0))).toEqual([0, 602, 0]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe('\r\nOK\r\n');
  });
});

describe('AT+HTTPREAD=<start>,<size>', () => {
  it('0-based ranges; fewer bytes at the end; past the end just OK; size 0 or bad numbers CME 3', async () => {
    await setup();
    server.route('/b', reply(200, '0123456789'));
    await action(dte, 0);
    expect(await dte.exchange('AT+HTTPREAD=0,5')).toBe(read('01234'));
    expect(await dte.exchange('AT+HTTPREAD=5,5')).toBe(read('56789'));
    expect(await dte.exchange('AT+HTTPREAD=8,100')).toBe(read('89'));
    expect(await dte.exchange('AT+HTTPREAD=9,1')).toBe(read('9'));
    expect(await dte.exchange('AT+HTTPREAD=10,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+HTTPREAD=0,0')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+HTTPREAD=0,318977')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+HTTPREAD=-1,5')).toBe('\r\n+CME ERROR: 3\r\n');
    expect(await dte.exchange('AT+HTTPREAD=0')).toBe('\r\n+CME ERROR: 3\r\n');
  });
});

describe('HEAD and AT+HTTPHEAD', () => {
  const HEADERS: [string, string][] = [
    ['Content-Type', 'Text/Plain'],
    ['X-Served-By', 'Node'],
  ];
  // Node adds Content-Length (from reply) and Connection: close (the request asked for it).
  const TEXT = 'http/1.1 200 ok\r\ncontent-type: text/plain\r\nx-served-by: node\r\ncontent-length: 11\r\nconnection: close\r\n';

  it('after GET: the status line and headers in lower case (1NCE)', async () => {
    await setup();
    server.route('/b', reply(200, 'hello world', HEADERS));
    await action(dte, 0);
    expect(await dte.exchange('AT+HTTPHEAD')).toBe(`\r\n+HTTPHEAD: ${TEXT.length}\r\n${TEXT}\r\nOK\r\n`);
  });

  it('HEAD: datalen is the header text, HTTPREAD reads it; the server sees HEAD without a body', async () => {
    await setup();
    server.route('/b', reply(200, 'hello world', HEADERS));
    expect(urc(await action(dte, 2))).toEqual([2, 200, TEXT.length]);
    expect(await dte.exchange('AT+HTTPREAD')).toBe(read(TEXT));
    expect(await dte.exchange('AT+HTTPSTATUS?')).toBe('\r\n+HTTPSTATUS: HEAD,0,0,0\r\n\r\nOK\r\n');
    const req = await server.next();
    expect(req.method).toBe('HEAD');
    expect(req.body.length).toBe(0);
  });
});

describe('the request the server receives', () => {
  it('POST: every byte value posted unchanged, Content-Length, CONTENT as Content-Type', async () => {
    await setup('/up');
    server.route('/up', reply(204));
    await dte.exchange('AT+HTTPPARA="CONTENT","application/octet-stream"');
    expect(await dte.exchange('AT+HTTPDATA=256,10000')).toBe('\r\nDOWNLOAD\r\n');
    dte.mark();
    dte.write(ALL_BYTES);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    expect(urc(await action(dte, 1))).toEqual([1, 204, 0]);
    const req = await server.next();
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/octet-stream');
    expect(req.headers['content-length']).toBe('256');
    expect(req.body.equals(ALL_BYTES)).toBe(true);
    expect(await dte.exchange('AT+HTTPSTATUS?')).toBe('\r\n+HTTPSTATUS: POST,0,0,0\r\n\r\nOK\r\n');
  });

  it('POST without HTTPDATA: Content-Length 0, empty body', async () => {
    await setup('/up');
    server.route('/up', reply(200, 'ok'));
    expect(urc(await action(dte, 1))).toEqual([1, 200, 2]);
    const req = await server.next();
    expect(req.headers['content-length']).toBe('0');
    expect(req.body.length).toBe(0);
  });

  it('DELETE: method 3, no body', async () => {
    await setup('/item/7');
    server.route('/item/7', reply(200, 'gone'));
    expect(urc(await action(dte, 3))).toEqual([3, 200, 4]);
    const req = await server.next();
    expect([req.method, req.url, req.body.length]).toEqual(['DELETE', '/item/7', 0]);
    expect(req.headers['content-length']).toBeUndefined();
  });

  it('UA, CONTENT and USERDATA (backslash-r backslash-n separated, PUTHDR) in the documented order; path and query kept', async () => {
    await setup('/v1/t?id=7&x=%20y');
    server.route('/v1/t', reply(200, 'ok'));
    await dte.exchange('AT+HTTPPARA="UA","FONA"');
    await dte.exchange('AT+HTTPPARA="CONTENT","application/json"');
    await dte.exchange('AT+HTTPPARA="USERDATA","Authorization: Bearer abc.def\\r\\nX-HTTP-Method-Override: PUT\\r\\n"');
    await action(dte, 0);
    const req = await server.next();
    expect(req.url).toBe('/v1/t?id=7&x=%20y');
    expect(req.rawHeaders).toEqual([
      ['Host', 'api.example.com'],
      ['User-Agent', 'FONA'],
      ['Content-Type', 'application/json'],
      ['Authorization', 'Bearer abc.def'],
      ['X-HTTP-Method-Override', 'PUT'],
      ['Connection', 'close'],
    ]);
  });

  it('a USERDATA line without "name: value" is dropped; empty lines skipped', async () => {
    await setup();
    server.route('/b', reply(200));
    await dte.exchange('AT+HTTPPARA="USERDATA","garbage\\r\\n\\r\\nX-A: 1"');
    await action(dte, 0);
    const req = await server.next();
    expect(req.rawHeaders.map(([k]) => k)).toEqual(['Host', 'User-Agent', 'X-A', 'Connection']);
  });

  it('BREAK/BREAKEND: Range bytes=B-E, bytes=B- when BREAKEND is smaller (MAN); a 206 passes through', async () => {
    await setup();
    server.route('/b', (req, res) => reply(206, 'part', [['Content-Range', `${req.headers.range}/9999`]])(req, res));
    await dte.exchange('AT+HTTPPARA="BREAK",2000');
    await dte.exchange('AT+HTTPPARA="BREAKEND",2999');
    expect(urc(await action(dte, 0))).toEqual([0, 206, 4]);
    expect((await server.next()).headers.range).toBe('bytes=2000-2999');
    await dte.exchange('AT+HTTPPARA="BREAKEND",0');
    await action(dte, 0);
    expect((await server.next()).headers.range).toBe('bytes=2000-');
    await dte.exchange('AT+HTTPPARA="BREAK",0');
    await action(dte, 0);
    expect((await server.next()).headers.range).toBeUndefined();
  });

  it('an explicit port in the URL: Host carries it; the map rule matches that port', async () => {
    server = await TestServer.http();
    server.route('/p', reply(200, 'ok'));
    dte = await readyDte({ map: [`api.example.com:8080=127.0.0.1:${server.port}`] });
    await openBearer(dte);
    await initHttp(dte, 'http://api.example.com:8080/p');
    expect(urc(await action(dte, 0))).toEqual([0, 200, 2]);
    expect((await server.next()).headers.host).toBe('api.example.com:8080');
  });

  it('server status codes pass through, those the manual does not list too', async () => {
    await setup();
    for (const code of [201, 204, 404, 418, 500, 503]) {
      server.route('/b', reply(code));
      expect(urc(await action(dte, 0))).toEqual([0, code, 0]);
    }
  });
});
