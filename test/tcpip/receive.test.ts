/**
 * Receiving (docs/tcpip.md §3.5, §3.6): pushed data with CIPHEAD, CIPSRIP, CIPSHOWTP and
 * +RECEIVE; data by request with AT+CIPRXGET (notice, raw and hex reads, counts, the
 * buffer after a remote close, the buffer limit).
 */
import { readyDte, type Dte } from '../helpers/dte';
import { connectToPeer, endAll, eventually, latin1, pattern, PeerServer, sendUntil, stackUp, UdpEcho, waitText } from './helpers';

let dte: Dte;
let peer: PeerServer | undefined;
let udp: UdpEcho | undefined;
afterEach(() => endAll(dte, peer, udp));

/** What the module printed after the peer wrote `data` (until `until` is there). */
async function pushed(data: string | Buffer, until: string, write: (d: string | Buffer) => Promise<void>): Promise<string> {
  await dte.settle();
  dte.mark();
  const from = dte.received().length;
  await write(data);
  await waitText(dte, until, from);
  await dte.settle();
  return dte.sinceMark();
}

/** connectToPeer, its DTE and peer kept for pushed() and the after-each hook; the peer's side. */
async function connect(opts: Parameters<typeof connectToPeer>[0] = {}) {
  ({ dte, peer } = await connectToPeer(opts));
  return peer.conn();
}

/** Polls AT+CIPRXGET=4 until the module holds `n` bytes. */
async function buffered(n: number, id?: number) {
  const cmd = id === undefined ? 'AT+CIPRXGET=4' : `AT+CIPRXGET=4,${id}`;
  const want = id === undefined ? `\r\n+CIPRXGET: 4,${n}\r\n\r\nOK\r\n` : `\r\n+CIPRXGET: 4,${id},${n}\r\n\r\nOK\r\n`;
  let last = '';
  await eventually(`${cmd} to show ${n} (last ${JSON.stringify(last)})`, async () => (last = await dte.exchange(cmd)) === want);
}

describe('pushed data (AT+CIPRXGET=0)', () => {
  it('single, CIPHEAD=0: the bytes alone', async () => {
    const conn = await connect();
    expect(await pushed('hello', 'hello', (d) => conn.write(d))).toBe('hello');
  });

  it('single, CIPHEAD=1: +IPD,<len>:; with CIPSHOWTP=1 the protocol; with CIPSRIP=1 RECV FROM first', async () => {
    const conn = await connect();
    expect(await dte.exchange('AT+CIPHEAD?')).toBe('\r\n+CIPHEAD: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPHEAD=1')).toBe('\r\nOK\r\n');
    expect(await pushed('hello', 'hello', (d) => conn.write(d))).toBe('\r\n+IPD,5:hello');
    expect(await dte.exchange('AT+CIPSHOWTP=1')).toBe('\r\nOK\r\n');
    expect(await pushed('again', 'again', (d) => conn.write(d))).toBe('\r\n+IPD,5,TCP:again');
    expect(await dte.exchange('AT+CIPSHOWTP=0;+CIPSRIP=1')).toBe('\r\nOK\r\n');
    expect(await pushed('third', 'third', (d) => conn.write(d))).toBe(`\r\nRECV FROM:127.0.0.1:${peer!.port}\r\n+IPD,5:third`);
    for (const cmd of ['+CIPHEAD', '+CIPSRIP', '+CIPSHOWTP']) expect(await dte.exchange(`AT${cmd}=?`)).toBe(`\r\n${cmd}: (0,1)\r\n\r\nOK\r\n`);
  });

  it('UDP with CIPHEAD=1 and CIPSHOWTP=1: +IPD,<len>,UDP:', async () => {
    udp = await UdpEcho.start();
    dte = await readyDte();
    await stackUp(dte, 0, ['AT+CIPHEAD=1', 'AT+CIPSHOWTP=1']);
    await sendUntil(dte, `AT+CIPSTART="UDP","127.0.0.1",${udp.port}`, 'CONNECT OK\r\n');
    dte.write('AT+CIPSEND=4\rping');
    await waitText(dte, '+IPD,4,UDP:ping');
  });

  it('multi: +RECEIVE,<n>,<len>: then CR LF then the bytes; CIPHEAD changes nothing there', async () => {
    const conn = await connect({ id: 2, extra: ['AT+CIPHEAD=1'] });
    expect(await pushed('0123456789', '0123456789', (d) => conn.write(d))).toBe('\r\n+RECEIVE,2,10:\r\n0123456789');
    expect(await dte.exchange('AT+CIPSRIP=1')).toBe('\r\nOK\r\n');
    expect(await pushed('abc', 'abc', (d) => conn.write(d))).toBe(`\r\nRECV FROM:127.0.0.1:${peer!.port}\r\n+RECEIVE,2,3:\r\nabc`);
  });

  it('large data comes in chunks of at most 1460 bytes, every byte once and in order', async () => {
    const conn = await connect({ id: 0 });
    const data = pattern(5000);
    await dte.settle();
    dte.mark();
    await conn.write(data);
    let got = Buffer.alloc(0);
    await eventually('5000 pushed bytes', () => {
      const text = dte.sinceMark();
      const parts: Buffer[] = [];
      const re = /\r\n\+RECEIVE,0,(\d+):\r\n/g;
      let m: RegExpExecArray | null;
      let end = 0;
      while ((m = re.exec(text))) {
        const len = Number(m[1]);
        expect(len).toBeLessThanOrEqual(1460);
        const start = m.index + m[0].length;
        if (start + len > text.length) return false;
        parts.push(Buffer.from(text.slice(start, start + len), 'latin1'));
        end = start + len;
        re.lastIndex = end;
      }
      got = Buffer.concat(parts);
      return end === text.length && got.length === data.length;
    });
    expect(got.equals(data)).toBe(true);
  });

  it('remote close: the data first, then CLOSED', async () => {
    const conn = await connect({ extra: ['AT+CIPHEAD=1'] });
    await dte.settle();
    dte.mark();
    const from = dte.received().length;
    conn.end('last words');
    await waitText(dte, 'CLOSED\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n+IPD,10:last words\r\nCLOSED\r\n');
  });
});

describe('data by request (AT+CIPRXGET=1)', () => {
  it('single: one notice until read; counts; raw and hex reads report bytes returned and bytes left', async () => {
    const conn = await connect({ extra: ['AT+CIPRXGET=1'] });
    expect(await dte.exchange('AT+CIPRXGET?')).toBe('\r\n+CIPRXGET: 1\r\n\r\nOK\r\n');
    const from = dte.received().length;
    expect(await pushed('hello world', '+CIPRXGET: 1\r\n', (d) => conn.write(d))).toBe('\r\n+CIPRXGET: 1\r\n');
    await buffered(11);
    // More data while the notice is outstanding: no second notice (only the counts' answers).
    await conn.write(' and more!!');
    await buffered(22);
    expect(dte.received().slice(from).match(/\r\n\+CIPRXGET: 1\r\n/g)).toHaveLength(1);

    expect(await dte.exchange('AT+CIPRXGET=2,5')).toBe('\r\n+CIPRXGET: 2,5,17\r\nhello\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=3,3')).toBe('\r\n+CIPRXGET: 3,3,14\r\n20776F\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=2,100')).toBe('\r\n+CIPRXGET: 2,14,0\r\nrld and more!!\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=2,100')).toBe('\r\n+CIPRXGET: 2,0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=4')).toBe('\r\n+CIPRXGET: 4,0\r\n\r\nOK\r\n');

    // Read: the next arrival notifies again.
    expect(await pushed('x', '+CIPRXGET: 1\r\n', (d) => conn.write(d))).toBe('\r\n+CIPRXGET: 1\r\n');
  });

  it('multi: +CIPRXGET: 1,<n>, reads and counts carry the id', async () => {
    const conn = await connect({ id: 1, extra: ['AT+CIPRXGET=1'] });
    expect(await pushed('HTTP\r\n\r\n', '+CIPRXGET: 1,1\r\n', (d) => conn.write(d))).toBe('\r\n+CIPRXGET: 1,1\r\n');
    await buffered(8, 1);
    expect(await dte.exchange('AT+CIPRXGET=2,1,16')).toBe('\r\n+CIPRXGET: 2,1,8,0\r\nHTTP\r\n\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=2,1,16')).toBe('\r\n+CIPRXGET: 2,1,0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=?')).toBe('\r\n+CIPRXGET: (0-4),(0-5),(1-1460)\r\n\r\nOK\r\n');
  });

  it('lengths outside 1..1460 (hex 1..730), an idle id, or manual mode off: ERROR', async () => {
    await connect({ id: 0, extra: ['AT+CIPRXGET=1'] });
    expect(await dte.exchange('AT+CIPRXGET=2,0,0')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPRXGET=2,0,1461')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPRXGET=3,0,731')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPRXGET=3,0,730')).toBe('\r\n+CIPRXGET: 3,0,0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=2,4,10')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPRXGET=4,4')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPRXGET=0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPRXGET=4,0')).toBe('\r\nERROR\r\n');
  });

  it('remote close with data buffered: notice, CLOSED, and the bytes stay readable (TinyGSM dumpModemBuffer)', async () => {
    const conn = await connect({ id: 0, extra: ['AT+CIPRXGET=1'] });
    const data = pattern(3000, 7);
    await dte.settle();
    dte.mark();
    const from = dte.received().length;
    await conn.write(data);
    conn.end();
    await waitText(dte, '0, CLOSED\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n+CIPRXGET: 1,0\r\n\r\n0, CLOSED\r\n');
    await buffered(3000, 0);
    let got = Buffer.alloc(0);
    for (let left = 3000; left > 0; ) {
      const answer = await dte.exchange('AT+CIPRXGET=2,0,1460');
      const m = /^\r\n\+CIPRXGET: 2,0,(\d+),(\d+)\r\n/.exec(answer);
      expect(m).not.toBeNull();
      const n = Number(m![1]);
      expect(Number(m![2])).toBe(left - n);
      expect(answer.endsWith('\r\nOK\r\n')).toBe(true);
      got = Buffer.concat([got, Buffer.from(answer.slice(m![0].length, m![0].length + n), 'latin1')]);
      left -= n;
    }
    expect(got.equals(data)).toBe(true);
    expect(await dte.exchange('AT+CIPSTATUS=0')).toMatch(/,"CLOSED"\r\n\r\nOK\r\n$/);
    expect(await dte.exchange('AT+CIPRXGET=4,0')).toBe('\r\n+CIPRXGET: 4,0,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPCLOSE=0')).toBe('\r\nERROR\r\n');
  });

  it('a full buffer holds the sender back: 200 KB arrive whole, never more than 64 KiB held', async () => {
    const conn = await connect({ extra: ['AT+CIPRXGET=1'] });
    const data = pattern(200 * 1024, 3);
    void conn.write(data); // resolves when the socket drained: only as fast as the module reads
    await buffered(65536);
    let got = Buffer.alloc(0);
    while (got.length < data.length) {
      const answer = await dte.exchange('AT+CIPRXGET=2,1460');
      const m = /^\r\n\+CIPRXGET: 2,(\d+),(\d+)\r\n/.exec(answer);
      expect(m).not.toBeNull();
      expect(Number(m![2])).toBeLessThanOrEqual(65536);
      const n = Number(m![1]);
      got = Buffer.concat([got, Buffer.from(answer.slice(m![0].length, m![0].length + n), 'latin1')]);
      if (n === 0) await new Promise((r) => setTimeout(r, 2));
    }
    expect(got.equals(data)).toBe(true);
    expect(latin1(got.subarray(0, 4))).toBe(latin1(data.subarray(0, 4)));
  });
});
