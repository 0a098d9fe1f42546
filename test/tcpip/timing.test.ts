/**
 * Timing on the virtual clock (docs/tcpip.md §4): the realistic profile's connect and send
 * delays, the GPRS rate cap, and the CIPATS auto-send timer. Each delay is stepped to the
 * millisecond before and at its end.
 */
import { fakeClockDte } from '../helpers/dte';
import { endAll, latin1, PeerServer, prompt, sendUntil, waitText } from './helpers';

let dte: Awaited<ReturnType<typeof fakeClockDte>>;
let peer: PeerServer | undefined;
afterEach(() => endAll(dte, peer));

/** Steps the clock by `ms` with event-loop turns between timers, then lets the engine settle. */
async function step(ms: number) {
  await dte.clock.advanceAsync(ms);
  await dte.settle();
}

describe('realistic profile', () => {
  it('CIPSTART: OK at once, CONNECT OK tcpConnectMs (1200) after the socket is up; SEND OK tcpSendMs (600) after the data left', async () => {
    peer = await PeerServer.start();
    dte = await fakeClockDte({ profile: 'realistic' });
    await step(10_000); // boot, registration
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    await dte.exchange('AT+CSTT="CMNET"');
    dte.write('AT+CIICR\r');
    await step(1280);
    await dte.exchange('AT+CIFSR');

    dte.mark();
    dte.write(`AT+CIPSTART="TCP","127.0.0.1",${peer.port}\r`);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    const conn = await peer.conn();
    await step(1199);
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    await step(1);
    expect(dte.sinceMark()).toBe('\r\nOK\r\n\r\nCONNECT OK\r\n');

    expect(await prompt(dte, 'AT+CIPSEND=5')).toBe('\r\n> ');
    dte.mark();
    dte.write('hello');
    // 5 bytes at 21400 bit/s: 2 ms on the uplink before they leave.
    await step(2);
    expect(latin1(await conn.waitBytes(5))).toBe('hello');
    await step(599);
    expect(dte.sinceMark()).toBe('');
    await step(1);
    expect(dte.sinceMark()).toBe('\r\nSEND OK\r\n');
  });

  it('the GPRS uplink cap: 2675 bytes take 1000 ms at 21400 bit/s', async () => {
    peer = await PeerServer.start();
    dte = await fakeClockDte({ profile: 'realistic' });
    await step(10_000);
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    await dte.exchange('AT+CIPQSEND=1');
    dte.write(`AT+CIPSTART="TCP","127.0.0.1",${peer.port}\r`); // from IP INITIAL: the context first
    await step(1280);
    const conn = await peer.conn();
    await step(1200);
    await waitText(dte, 'CONNECT OK\r\n');
    await prompt(dte, 'AT+CIPSEND=1460');
    dte.write(Buffer.alloc(1460, 1));
    await waitText(dte, 'DATA ACCEPT:1460\r\n');
    await prompt(dte, 'AT+CIPSEND=1215');
    dte.write(Buffer.alloc(1215, 2));
    await waitText(dte, 'DATA ACCEPT:1215\r\n');
    await step(999);
    expect(conn.received.length).toBeLessThan(2675);
    await step(1);
    await conn.waitBytes(2675);
  });
});

describe('before CONNECT OK', () => {
  it('data the peer sends at once waits for CONNECT OK, then follows it (D34)', async () => {
    peer = await PeerServer.start();
    dte = await fakeClockDte({ profile: 'realistic' });
    await step(10_000);
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    await dte.exchange('AT+CIPHEAD=1');
    dte.write('AT+CIPSTART="TCP","127.0.0.1",' + peer.port + '\r');
    await step(1280);
    const conn = await peer.conn();
    await conn.write('early');
    await new Promise((r) => setTimeout(r, 20));
    await step(1199);
    expect(dte.received()).not.toContain('early');
    dte.mark();
    await step(1);
    await waitText(dte, 'early');
    expect(dte.sinceMark()).toBe('\r\nCONNECT OK\r\n\r\n+IPD,5:early');
  });
});

describe('AT+CIPATS', () => {
  it('read, test, write; with 1,2 the Ctrl-Z form sends by itself after 2 s', async () => {
    peer = await PeerServer.start();
    dte = await fakeClockDte();
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CIPATS?')).toBe('\r\n+CIPATS: 0,1\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPATS=?')).toBe('\r\n+CIPATS: (0,1),(1-100)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPATS=1,2')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPATS=1,101')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CSTT="CMNET"');
    await dte.exchange('AT+CIICR');
    await dte.exchange('AT+CIFSR');
    await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1",${peer.port}`, 'CONNECT OK\r\n');
    const conn = await peer.conn();
    expect(await prompt(dte, 'AT+CIPSEND')).toBe('\r\n> ');
    dte.mark();
    dte.write('auto');
    await step(1999);
    expect(dte.sinceMark()).toBe('');
    await step(1);
    await waitText(dte, 'SEND OK\r\n');
    expect(dte.sinceMark()).toBe('\r\nSEND OK\r\n');
    expect(latin1(await conn.waitBytes(4))).toBe('auto');
  });
});
