/**
 * Nothing lost, nothing duplicated, every byte value unchanged: all 256 values both ways
 * in each receive mode, 64 KB each way, six connections at once, UDP echo (docs/tcpip.md
 * §3.4–§3.6).
 */
import { readyDte } from '../helpers/dte';
import { ALL_BYTES, connectToPeer, endAll, eventually, latin1, pattern, PeerServer, prompt, sendUntil, stackUp, UdpEcho, waitText, writeUntil } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let peer: PeerServer | undefined;
let udp: UdpEcho | undefined;
afterEach(() => endAll(dte, peer, udp));

/** Reads `n` bytes from connection `id` (multi) or the connection (single) with CIPRXGET=2 or 3. */
async function readRx(n: number, opts: { id?: number; hex?: boolean } = {}): Promise<Buffer> {
  const mode = opts.hex ? 3 : 2;
  const max = opts.hex ? 730 : 1460;
  const id = opts.id === undefined ? '' : `${opts.id},`;
  const head = new RegExp(`^\\r\\n\\+CIPRXGET: ${mode},${id}(\\d+),(\\d+)\\r\\n`);
  const parts: Buffer[] = [];
  let got = 0;
  await eventually(`${n} bytes by CIPRXGET=${mode} (have ${got})`, async () => {
    const answer = await dte.exchange(`AT+CIPRXGET=${mode},${id}${Math.min(max, n - got)}`);
    const m = head.exec(answer);
    if (!m) throw new Error(`unexpected answer ${JSON.stringify(answer.slice(0, 80))}`);
    const count = Number(m[1]);
    const body = answer.slice(m[0].length, answer.length - '\r\nOK\r\n'.length);
    expect(answer.endsWith('\r\nOK\r\n')).toBe(true);
    parts.push(opts.hex ? Buffer.from(body, 'hex') : Buffer.from(body, 'latin1'));
    expect(body.length).toBe(opts.hex ? count * 2 : count);
    if (opts.hex) expect(body).toMatch(/^[0-9A-F]*$/);
    got += count;
    return got >= n;
  });
  return Buffer.concat(parts);
}

/** Sends `data` on connection `id` (multi) or the connection (single) in counted CIPSENDs. */
async function sendAll(data: Buffer, id?: number): Promise<void> {
  const ok = id === undefined ? 'SEND OK\r\n' : `${id}, SEND OK\r\n`;
  for (let at = 0; at < data.length; at += 1460) {
    const chunk = data.subarray(at, at + 1460);
    expect(await prompt(dte, id === undefined ? `AT+CIPSEND=${chunk.length}` : `AT+CIPSEND=${id},${chunk.length}`)).toBe('\r\n> ');
    // An echo's `+CIPRXGET: 1,<n>` notice may follow the SEND OK.
    const out = await writeUntil(dte, chunk, ok);
    expect([`\r\n${ok}`, `\r\n${ok}\r\n+CIPRXGET: 1${id === undefined ? "" : `,${id}`}\r\n`]).toContain(out);
  }
}

/** The pushed bytes between the mark and now, headers removed. */
function pushedBody(text: string, header: RegExp): Buffer {
  const parts: Buffer[] = [];
  let rest = text;
  for (;;) {
    const m = header.exec(rest);
    if (!m || m.index !== 0) break;
    const len = Number(m[1]);
    parts.push(Buffer.from(rest.slice(m[0].length, m[0].length + len), 'latin1'));
    rest = rest.slice(m[0].length + len);
  }
  if (rest.length) throw new Error(`unframed bytes ${JSON.stringify(rest.slice(0, 40))}`);
  return Buffer.concat(parts);
}

/** Whether the framed bytes so far hold `n` bytes (false while a header is still arriving). */
function complete(body: () => Buffer, n: number): boolean {
  try {
    return body().length >= n;
  } catch {
    return false;
  }
}

describe('all 256 byte values, both ways', () => {
  it('single, pushed raw (CIPHEAD=0)', async () => {
    ({ dte, peer } = await connectToPeer({ echo: true }));
    await prompt(dte, 'AT+CIPSEND=256');
    dte.mark();
    const from = dte.received().length;
    dte.write(ALL_BYTES);
    await eventually('the echo', () => dte.received().length - from >= '\r\nSEND OK\r\n'.length + 256);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nSEND OK\r\n' + latin1(ALL_BYTES));
    expect((await peer.conn()).received.equals(ALL_BYTES)).toBe(true);
  });

  it('single, pushed with +IPD (CIPHEAD=1)', async () => {
    ({ dte, peer } = await connectToPeer({ extra: ['AT+CIPHEAD=1'], echo: true }));
    await prompt(dte, 'AT+CIPSEND=256');
    dte.mark();
    dte.write(ALL_BYTES);
    const body = () => pushedBody(dte.sinceMark().replace('\r\nSEND OK\r\n', ''), /\r\n\+IPD,(\d+):/);
    await eventually('the echo', () => complete(body, 256));
    expect(body().equals(ALL_BYTES)).toBe(true);
  });

  it('multi, pushed with +RECEIVE', async () => {
    ({ dte, peer } = await connectToPeer({ id: 4, echo: true }));
    await prompt(dte, 'AT+CIPSEND=4,256');
    dte.mark();
    dte.write(ALL_BYTES);
    const body = () => pushedBody(dte.sinceMark().replace('\r\n4, SEND OK\r\n', ''), /\r\n\+RECEIVE,4,(\d+):\r\n/);
    await eventually('the echo', () => complete(body, 256));
    expect(body().equals(ALL_BYTES)).toBe(true);
  });

  it('by request, raw (CIPRXGET=2) and hex (CIPRXGET=3)', async () => {
    ({ dte, peer } = await connectToPeer({ id: 0, extra: ['AT+CIPRXGET=1'], echo: true }));
    await sendAll(ALL_BYTES, 0);
    expect((await readRx(256, { id: 0 })).equals(ALL_BYTES)).toBe(true);
    await sendAll(ALL_BYTES, 0);
    expect((await readRx(256, { id: 0, hex: true })).equals(ALL_BYTES)).toBe(true);
  });

  it('UDP echo (multi): every byte value in one datagram', async () => {
    udp = await UdpEcho.start();
    dte = await readyDte();
    await stackUp(dte, 1, ['AT+CIPRXGET=1']);
    await sendUntil(dte, `AT+CIPSTART=1,"UDP","127.0.0.1",${udp.port}`, '1, CONNECT OK\r\n');
    await sendAll(ALL_BYTES, 1);
    expect(udp.datagrams).toHaveLength(1);
    expect(udp.datagrams[0].equals(ALL_BYTES)).toBe(true);
    await waitText(dte, '+CIPRXGET: 1,1\r\n');
    expect((await readRx(256, { id: 1 })).equals(ALL_BYTES)).toBe(true);
  });
});

describe('volume', () => {
  it('64 KB each way on one connection', async () => {
    ({ dte, peer } = await connectToPeer({ extra: ['AT+CIPRXGET=1', 'AT+CIPQSEND=1'] }));
    const conn = await peer.conn();
    const up = pattern(65536, 11);
    for (let at = 0; at < up.length; at += 1460) {
      const chunk = up.subarray(at, at + 1460);
      await prompt(dte, `AT+CIPSEND=${chunk.length}`);
      expect(await writeUntil(dte, chunk, `DATA ACCEPT:${chunk.length}\r\n`)).toBe(`\r\nDATA ACCEPT:${chunk.length}\r\n`);
    }
    expect((await conn.waitBytes(65536)).equals(up)).toBe(true);
    const down = pattern(65536, 12);
    await conn.write(down);
    expect((await readRx(65536)).equals(down)).toBe(true);
    expect(conn.received.length).toBe(65536); // nothing duplicated upstream
  });

  it('six connections at once, each its own data', async () => {
    peer = await PeerServer.start({ echo: true });
    dte = await readyDte();
    await stackUp(dte, 1, ['AT+CIPRXGET=1']);
    for (let n = 0; n <= 5; n++) await sendUntil(dte, `AT+CIPSTART=${n},"TCP","127.0.0.1",${peer.port}`, `${n}, CONNECT OK\r\n`);
    const status = await dte.exchange('AT+CIPSTATUS');
    expect(status.match(/"CONNECTED"/g)).toHaveLength(6);
    expect(status).toContain('STATE: IP PROCESSING');
    for (let n = 0; n <= 5; n++) await sendAll(pattern(500 + n, 20 + n), n);
    for (let n = 0; n <= 5; n++) expect((await readRx(500 + n, { id: n })).equals(pattern(500 + n, 20 + n))).toBe(true);
    expect(peer.conns.map((c) => c.received.length).sort((a, b) => a - b)).toEqual([500, 501, 502, 503, 504, 505]);
  });
});
