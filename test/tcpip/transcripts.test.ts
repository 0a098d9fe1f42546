/**
 * The manual's and the TCPIP application note's exchanges, byte for byte, against real
 * peers on 127.0.0.1: single connection TCP and UDP, multi connection, the failures and
 * the errors (docs/tcpip.md §1, §3.3–§3.9).
 */
import { readyDte } from '../helpers/dte';
import { connectToPeer, deadPort, endAll, latin1, PeerServer, prompt, sendUntil, stackUp, UdpEcho, waitText, writeUntil } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let peer: PeerServer | undefined;
let udp: UdpEcho | undefined;
afterEach(() => endAll(dte, peer, udp));

const initial = (from: number) => [0, 1, 2, 3, 4, 5].filter((n) => n >= from).map((n) => `C: ${n},,"","","","INITIAL"`);
const table = (state: string, lines: string[]) => `\r\nOK\r\n\r\nSTATE: ${state}\r\n\r\n${lines.join('\r\n')}\r\n`;

describe('single connection (application note 2.1.1)', () => {
  it('TCP client: CSTT, CIICR, CIFSR, CIPSTART, CIPSEND with Ctrl-Z, data pushed, remote close, CIPSHUT', async () => {
    peer = await PeerServer.start();
    dte = await readyDte();
    expect(await dte.exchange('AT+CGATT?')).toBe('\r\n+CGATT: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CSTT="CMNET"')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIICR')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIFSR')).toBe('\r\n10.89.193.1\r\n');
    expect(await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1","${peer.port}"`, 'CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\nCONNECT OK\r\n');
    const conn = await peer.conn();
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: CONNECT OK\r\n');

    expect(await prompt(dte, 'AT+CIPSEND')).toBe('\r\n> ');
    expect(await writeUntil(dte, 'hello TCP serve\x1a', 'SEND OK\r\n')).toBe('\r\nSEND OK\r\n');
    expect(latin1(await conn.waitBytes(15))).toBe('hello TCP serve');

    // The server answers and closes: the data comes raw (CIPHEAD=0), then CLOSED.
    dte.mark();
    const from = dte.received().length;
    await conn.write('hello sim800');
    conn.end();
    await waitText(dte, 'CLOSED\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('hello sim800\r\nCLOSED\r\n');

    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: TCP CLOSED\r\n');
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: IP INITIAL\r\n');
  });

  it('TCP client closed by the module: CLOSE OK, state IP CLOSE, the peer sees the end; CIPSTART again works', async () => {
    ({ dte, peer } = await connectToPeer());
    const conn = await peer.conn();
    expect(await dte.exchange('AT+CIPCLOSE')).toBe('\r\nCLOSE OK\r\n');
    await conn.waitClosed();
    expect(conn.ended).toBe(true); // a slow close: FIN, not a reset
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: IP CLOSE\r\n');
    expect(await dte.exchange('AT+CIPCLOSE')).toBe('\r\nERROR\r\n');
    expect(await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1",${peer.port}`, 'CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\nCONNECT OK\r\n');
    await peer.conn(1);
    expect(await dte.exchange('AT+CIPCLOSE=1')).toBe('\r\nCLOSE OK\r\n');
  });

  it('UDP client: CONNECT OK at once, a datagram out and its echo pushed back', async () => {
    udp = await UdpEcho.start();
    dte = await readyDte();
    await stackUp(dte, 0);
    expect(await sendUntil(dte, `AT+CIPSTART="UDP","127.0.0.1","${udp.port}"`, 'CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\nCONNECT OK\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: CONNECT OK\r\n');
    expect(await prompt(dte, 'AT+CIPSEND=5')).toBe('\r\n> ');
    expect(await writeUntil(dte, 'hello', 'SEND OK\r\nhello')).toBe('\r\nSEND OK\r\nhello');
    expect(udp.datagrams.map(latin1)).toEqual(['hello']);
    expect(await dte.exchange('AT+CIPCLOSE')).toBe('\r\nCLOSE OK\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: IP CLOSE\r\n');
  });

  it('CIPSTART from IP INITIAL brings the context up itself (FONA connects right after CIPSHUT)', async () => {
    peer = await PeerServer.start();
    dte = await readyDte();
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    expect(await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1","${peer.port}"`, 'CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\nCONNECT OK\r\n');
    expect(await dte.exchange('AT+CIFSR')).toBe('\r\n10.89.193.1\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: CONNECT OK\r\n');
  });

  it('nothing listening: OK, then the state and CONNECT FAIL', async () => {
    const port = await deadPort();
    dte = await readyDte();
    await stackUp(dte, 0);
    expect(await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1","${port}"`, 'CONNECT FAIL\r\n')).toBe('\r\nOK\r\n\r\nSTATE: TCP CLOSED\r\n\r\nCONNECT FAIL\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: TCP CLOSED\r\n');
  });

  it('ALREADY CONNECT instead of OK while connected', async () => {
    ({ dte, peer } = await connectToPeer());
    expect(await dte.exchange(`AT+CIPSTART="TCP","127.0.0.1",${peer.port}`)).toBe('\r\nALREADY CONNECT\r\n');
  });

  it('CIPQSEND=1: DATA ACCEPT:<length> as soon as the module took the data', async () => {
    ({ dte, peer } = await connectToPeer({ extra: ['AT+CIPQSEND=1'] }));
    expect(await prompt(dte, 'AT+CIPSEND=5')).toBe('\r\n> ');
    expect(await writeUntil(dte, 'abcde', 'DATA ACCEPT:5\r\n')).toBe('\r\nDATA ACCEPT:5\r\n');
    expect(latin1(await (await peer.conn()).waitBytes(5))).toBe('abcde');
  });

  it('ESC cancels a Ctrl-Z send: OK, nothing reaches the peer', async () => {
    ({ dte, peer } = await connectToPeer());
    const conn = await peer.conn();
    await prompt(dte, 'AT+CIPSEND');
    expect(await writeUntil(dte, 'not this\x1b', 'OK\r\n')).toBe('\r\nOK\r\n');
    await prompt(dte, 'AT+CIPSEND=1');
    await writeUntil(dte, 'x', 'SEND OK\r\n');
    expect(latin1(await conn.waitBytes(1))).toBe('x');
  });

  it('CIPSPRT: 0 sends without the prompt, 2 without prompt and without SEND OK', async () => {
    ({ dte, peer } = await connectToPeer());
    const conn = await peer.conn();
    expect(await dte.exchange('AT+CIPSPRT?')).toBe('\r\n+CIPSPRT: 1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPSPRT=0')).toBe('\r\nOK\r\n');
    dte.mark();
    const from = dte.received().length;
    dte.write('AT+CIPSEND=3\rabc'); // no prompt to wait for: the data follows the line
    await waitText(dte, 'SEND OK\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nSEND OK\r\n');
    await conn.waitBytes(3);
    expect(await dte.exchange('AT+CIPSPRT=2')).toBe('\r\nOK\r\n');
    dte.mark();
    dte.write('AT+CIPSEND=3\rdef');
    await conn.waitBytes(6);
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
    expect(latin1(conn.received)).toBe('abcdef');
  });

  it('data is not echoed under ATE1; CLOSE OK is text under ATV0 and silent under ATQ1', async () => {
    ({ dte, peer } = await connectToPeer());
    await dte.exchange('ATE1');
    expect(await prompt(dte, 'AT+CIPSEND=3')).toBe('AT+CIPSEND=3\r\r\n> ');
    expect(await writeUntil(dte, 'abc', 'SEND OK\r\n')).toBe('\r\nSEND OK\r\n');
    await dte.exchange('ATE0');
    await dte.exchange('ATV0');
    expect(await dte.exchange('AT+CIPCLOSE')).toBe('CLOSE OK\r\n');
    await dte.exchange('ATV1');
    await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1",${peer.port}`, 'CONNECT OK\r\n');
    await dte.exchange('ATQ1');
    expect(await dte.exchange('AT+CIPCLOSE')).toBe('');
  });

  it('out-of-state and malformed commands answer ERROR', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CIPSEND')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSEND=5')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPCLOSE')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CSTT="CMNET"');
    await dte.exchange('AT+CIICR');
    // IP GPRSACT: the address was never read, the manual's classic failure.
    expect(await dte.exchange('AT+CIPSTART="TCP","127.0.0.1",80')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CIFSR');
    expect(await dte.exchange('AT+CIPSTART="XYZ","127.0.0.1",80')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSTART="TCP","127.0.0.1",0')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSTART="TCP","127.0.0.1",65536')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSTART=0,"TCP","127.0.0.1",80')).toBe('\r\nERROR\r\n'); // multi syntax in single mode
    expect(await dte.exchange('AT+CIPSTART="TCP","127.0.0.1"')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: IP STATUS\r\n');
  });

  it('the Ctrl-Z form goes out once 1460 bytes came, without the Ctrl-Z (D32)', async () => {
    ({ dte, peer } = await connectToPeer());
    await prompt(dte, 'AT+CIPSEND');
    expect(await writeUntil(dte, Buffer.alloc(1460, 0x42), 'SEND OK\r\n')).toBe('\r\nSEND OK\r\n');
    expect((await (await peer.conn()).waitBytes(1460)).length).toBe(1460);
  });

  it('the LF of a CR LF line end is not data (TinyGSM, FONA); with CR-only lines a leading LF is data (D31)', async () => {
    ({ dte, peer } = await connectToPeer());
    const conn = await peer.conn();
    // This DTE ends its lines with CR alone: a first data byte 0x0A is data.
    await prompt(dte, 'AT+CIPSEND=3');
    await writeUntil(dte, '\nab', 'SEND OK\r\n');
    expect(latin1(await conn.waitBytes(3))).toBe('\nab');
    // Now CR LF line ends, as drivers send them: the LF behind the CR is the line's.
    expect(await dte.exchange('AT\r\n', { raw: true })).toBe('\r\nOK\r\n');
    const from = dte.received().length;
    dte.write('AT+CIPSEND=2\r\n');
    await waitText(dte, '> ', from);
    await writeUntil(dte, 'cd', 'SEND OK\r\n');
    expect(latin1(await conn.waitBytes(5))).toBe('\nabcd');
  });

  it('the AT log masks the AT+CSTT password and nothing else of the stack', async () => {
    dte = await readyDte();
    await dte.exchange('AT+CSTT="internet","user","secret"');
    const lines = dte.emu.control.log().map((e) => e.line);
    expect(lines).toContain('AT+CSTT="internet","user",***');
    expect(JSON.stringify(dte.emu.control.state())).not.toContain('secret');
  });

  it('CIPSEND lengths: 0 and more than 1460 are ERROR before any prompt; read and test forms', async () => {
    peer = await PeerServer.start();
    dte = await readyDte();
    await stackUp(dte, 0);
    expect(await dte.exchange('AT+CIPSEND?')).toBe('\r\n+CIPSEND: 0\r\n\r\nOK\r\n');
    await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1",${peer.port}`, 'CONNECT OK\r\n');
    expect(await dte.exchange('AT+CIPSEND?')).toBe('\r\n+CIPSEND: 1460\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPSEND=?')).toBe('\r\n+CIPSEND: (1-1460)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPSEND=0')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSEND=1461')).toBe('\r\nERROR\r\n');
    expect(await prompt(dte, 'AT+CIPSEND=1460')).toBe('\r\n> ');
    expect(await writeUntil(dte, Buffer.alloc(1460, 0x41), 'SEND OK\r\n')).toBe('\r\nSEND OK\r\n');
  });
});

describe('multi connection (application note 3)', () => {
  it('TCP and UDP side by side: CONNECT OK, SEND OK, +RECEIVE, the status table, CLOSE OK, CIPSHUT', async () => {
    peer = await PeerServer.start();
    udp = await UdpEcho.start();
    dte = await readyDte();
    await stackUp(dte, 1);
    expect(await dte.exchange('AT+CIPSTATUS')).toBe(table('IP STATUS', initial(0)));
    expect(await sendUntil(dte, `AT+CIPSTART=0,"TCP","127.0.0.1","${peer.port}"`, '0, CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\n0, CONNECT OK\r\n');
    expect(await sendUntil(dte, `AT+CIPSTART=1,"UDP","127.0.0.1",${udp.port}`, '1, CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\n1, CONNECT OK\r\n');
    const conn = await peer.conn();
    expect(await dte.exchange('AT+CIPSTATUS')).toBe(
      table('IP PROCESSING', [`C: 0,0,"TCP","127.0.0.1","${peer.port}","CONNECTED"`, `C: 1,0,"UDP","127.0.0.1","${udp.port}","CONNECTED"`, ...initial(2)]),
    );
    expect(await dte.exchange('AT+CIPSTATUS=1')).toBe(`\r\n+CIPSTATUS: 1,0,"UDP","127.0.0.1","${udp.port}","CONNECTED"\r\n\r\nOK\r\n`);
    expect(await dte.exchange('AT+CIPSTATUS=4')).toBe('\r\n+CIPSTATUS: 4,,"","","","INITIAL"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPSEND?')).toBe(
      '\r\n+CIPSEND: 0,1460\r\n+CIPSEND: 1,1460\r\n+CIPSEND: 2,0\r\n+CIPSEND: 3,0\r\n+CIPSEND: 4,0\r\n+CIPSEND: 5,0\r\n\r\nOK\r\n',
    );
    expect(await dte.exchange('AT+CIPSEND=?')).toBe('\r\n+CIPSEND: (0-5),(1-1460)\r\n\r\nOK\r\n');

    expect(await prompt(dte, 'AT+CIPSEND=0')).toBe('\r\n> ');
    expect(await writeUntil(dte, 'TCP test\x1a', '0, SEND OK\r\n')).toBe('\r\n0, SEND OK\r\n');
    expect(latin1(await conn.waitBytes(8))).toBe('TCP test');
    expect(await prompt(dte, 'AT+CIPSEND=1,5')).toBe('\r\n> ');
    expect(await writeUntil(dte, 'UDPte', '\r\n+RECEIVE,1,5:\r\nUDPte')).toBe('\r\n1, SEND OK\r\n\r\n+RECEIVE,1,5:\r\nUDPte');

    dte.mark();
    const from = dte.received().length;
    await conn.write('data from server');
    await waitText(dte, 'data from server', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n+RECEIVE,0,16:\r\ndata from server');

    expect(await dte.exchange('AT+CIPCLOSE=0')).toBe('\r\n0, CLOSE OK\r\n');
    await conn.waitClosed();
    expect(await dte.exchange('AT+CIPSTATUS=0')).toBe(`\r\n+CIPSTATUS: 0,0,"TCP","127.0.0.1","${peer.port}","CLOSED"\r\n\r\nOK\r\n`);
    expect(await dte.exchange('AT+CIPCLOSE=1,1')).toBe('\r\n1, CLOSE OK\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe(
      table('IP STATUS', [`C: 0,0,"TCP","127.0.0.1","${peer.port}","CLOSED"`, `C: 1,0,"UDP","127.0.0.1","${udp.port}","CLOSED"`, ...initial(2)]),
    );
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe(table('IP INITIAL', initial(0)));
  });

  it('remote close: <n>, CLOSED; the slot shows CLOSED and can start again', async () => {
    ({ dte, peer } = await connectToPeer({ id: 3 }));
    const conn = await peer.conn();
    dte.mark();
    const from = dte.received().length;
    conn.end();
    await waitText(dte, '3, CLOSED\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n3, CLOSED\r\n');
    expect(await dte.exchange('AT+CIPSTATUS=3')).toBe(`\r\n+CIPSTATUS: 3,0,"TCP","127.0.0.1","${peer.port}","CLOSED"\r\n\r\nOK\r\n`);
    expect(await dte.exchange('AT+CIPCLOSE=3')).toBe('\r\nERROR\r\n');
    expect(await sendUntil(dte, `AT+CIPSTART=3,"TCP","127.0.0.1",${peer.port}`, '3, CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\n3, CONNECT OK\r\n');
  });

  it('CONNECT FAIL, ALREADY CONNECT, DATA ACCEPT:<n>,<length>', async () => {
    peer = await PeerServer.start();
    const dead = await deadPort();
    dte = await readyDte();
    await stackUp(dte, 1, ['AT+CIPQSEND=1']);
    expect(await sendUntil(dte, `AT+CIPSTART=2,"TCP","127.0.0.1",${dead}`, '2, CONNECT FAIL\r\n')).toBe('\r\nOK\r\n\r\n2, CONNECT FAIL\r\n');
    await sendUntil(dte, `AT+CIPSTART=5,"TCP","127.0.0.1",${peer.port}`, '5, CONNECT OK\r\n');
    expect(await dte.exchange(`AT+CIPSTART=5,"TCP","127.0.0.1",${peer.port}`)).toBe('\r\n5, ALREADY CONNECT\r\n');
    expect(await prompt(dte, 'AT+CIPSEND=5,4')).toBe('\r\n> ');
    expect(await writeUntil(dte, 'ping', 'DATA ACCEPT:5,4\r\n')).toBe('\r\nDATA ACCEPT:5,4\r\n');
  });

  it('errors: CIPSTART before the address, bad ids, sends and closes on idle slots, single syntax', async () => {
    dte = await readyDte();
    await dte.exchange('AT+CIPMUX=1');
    expect(await dte.exchange('AT+CIPSTART=0,"TCP","127.0.0.1",80')).toBe('\r\nERROR\r\n'); // IP INITIAL
    await stackUp(dte, 1);
    expect(await dte.exchange('AT+CIPSTART=6,"TCP","127.0.0.1",80')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSTART="TCP","127.0.0.1",80')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSEND=3')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSEND=3,5')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPCLOSE=1,1')).toBe('\r\nERROR\r\n'); // TinyGSM's stop() before any connect
    expect(await dte.exchange('AT+CIPCLOSE')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPCLOSE=?')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPMUX=0')).toBe('\r\nERROR\r\n');
  });
});
