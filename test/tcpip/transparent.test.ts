/**
 * Transparent mode on the virtual clock (docs/tcpip.md §3.10, D22): CONNECT, raw bytes both
 * ways packed by CIPCCFG's WaitTm, +++ with its guard times back to command mode, ATO back
 * to data, CLOSED on remote close.
 */
import { fakeClockDte } from '../helpers/dte';
import { ALL_BYTES, endAll, eventually, latin1, PeerServer, sendUntil, stackUp, waitText } from './helpers';

let dte: Awaited<ReturnType<typeof fakeClockDte>>;
let peer: PeerServer | undefined;
afterEach(() => endAll(dte, peer));

async function transparentUp() {
  peer = await PeerServer.start({ echo: true });
  dte = await fakeClockDte();
  await dte.exchange('AT');
  await dte.exchange('ATE0');
  expect(await dte.exchange('AT+CIPMODE=1')).toBe('\r\nOK\r\n');
  await stackUp(dte, 0);
  expect(await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1","${peer.port}"`, 'CONNECT\r\n')).toBe('\r\nOK\r\n\r\nCONNECT\r\n');
  return peer.conn();
}

describe('transparent mode', () => {
  it('settings: CIPMODE and CIPCCFG read, test and write forms; CIPMODE only in IP INITIAL and single mode', async () => {
    dte = await fakeClockDte();
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CIPMODE?')).toBe('\r\n+CIPMODE: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPMODE=?')).toBe('\r\n+CIPMODE: (0,1)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPCCFG?')).toBe('\r\n+CIPCCFG: 5,2,1024,1,0,1460,50\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPCCFG=?')).toBe('\r\n+CIPCCFG: (3-8),(1-10),(1-1460),(0,1),(0,1),(50-1460),(20-1000)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPCCFG=3,5,512,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPCCFG?')).toBe('\r\n+CIPCCFG: 3,5,512,1,0,1460,50\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPCCFG=9,5,512,1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPMUX=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPMODE=1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPMUX=0')).toBe('\r\nOK\r\n');
    await dte.exchange('AT+CSTT="CMNET"');
    expect(await dte.exchange('AT+CIPMODE=1')).toBe('\r\nERROR\r\n');
  });

  it('CONNECT, every byte value both ways, +++ to command mode, data kept for ATO, CLOSED on remote close', async () => {
    const conn = await transparentUp();
    const { clock } = dte;

    // DTE → network: sent once WaitTm (2 × 200 ms) passed without more input. 0x1A, 0x1B,
    // CR and '+' are data here.
    dte.mark();
    dte.write(ALL_BYTES);
    await dte.settle();
    expect(conn.received.length).toBe(0);
    clock.advance(400);
    expect((await conn.waitBytes(256)).equals(ALL_BYTES)).toBe(true);
    await eventually('the echo, raw', () => dte.sinceMark().length >= 256);
    await dte.settle();
    expect(dte.sinceMark()).toBe(latin1(ALL_BYTES));

    // +++ after 1 s of silence, then 0.5 s of silence: OK, command mode.
    clock.advance(1000);
    dte.mark();
    let from = dte.received().length;
    dte.write('+++');
    await dte.settle();
    expect(dte.sinceMark()).toBe('');
    clock.advance(500);
    await waitText(dte, 'OK\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    expect(conn.received.length).toBe(256); // the '+' bytes never left
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: CONNECT OK\r\n');

    // Data from the network meanwhile waits for ATO.
    await conn.write('later');
    await new Promise((r) => setTimeout(r, 20));
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
    expect(await sendUntil(dte, 'ATO', 'later')).toBe('\r\nCONNECT\r\nlater');

    // Without the guard time before it, +++ is data.
    clock.advance(100);
    dte.write('a+++b');
    await dte.settle();
    clock.advance(400);
    await conn.waitBytes(256 + 5);
    expect(latin1(conn.received.subarray(256))).toBe('a+++b');
    await eventually('the echo of a+++b', () => dte.received().endsWith('a+++b'));

    // The server closes: CLOSED, back in command mode.
    dte.mark();
    from = dte.received().length;
    conn.end();
    await waitText(dte, 'CLOSED\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nCLOSED\r\n');
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATO')).toBe('\r\nERROR\r\n');
  });

  it('SendSz: a full packet leaves at once, without waiting for WaitTm', async () => {
    const conn = await transparentUp();
    dte.write(Buffer.alloc(1024, 0x55));
    await conn.waitBytes(1024);
    expect(conn.received.length).toBe(1024);
  });

  it('+++ then CIPCLOSE: CLOSE OK, the peer sees the end', async () => {
    const conn = await transparentUp();
    dte.clock.advance(1000);
    const from = dte.received().length;
    dte.write('+++');
    await dte.settle();
    dte.clock.advance(500);
    await waitText(dte, 'OK\r\n', from);
    expect(await dte.exchange('AT+CIPCLOSE')).toBe('\r\nCLOSE OK\r\n');
    await conn.waitClosed();
  });
});
