/**
 * AT+CIPSSL=1 (docs/tcpip.md §3.11, D23): the TCP connection carries TLS, unverified, with
 * SNI for names; against a TLS echo server and the embedded broker's TLS listener (8883).
 */
import { CertificateAuthority } from '../../src/broker/ca';
import { readyDte } from '../helpers/dte';
import { endAll, eventually, latin1, PeerServer, prompt, sendUntil, stackUp, waitText, writeUntil } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let peer: PeerServer | undefined;
afterEach(() => endAll(dte, peer));

/** A TLS echo server with a certificate from a CA nobody gave the module: nothing is verified. */
async function tlsEcho(): Promise<PeerServer> {
  const pair = CertificateAuthority.generate('tcpip test CA').issue(['localhost', '127.0.0.1']);
  return PeerServer.start({ echo: true, tls: { cert: pair.cert, key: pair.key } });
}

describe('AT+CIPSSL', () => {
  it('single: a TLS echo round trip; the module checks no certificate', async () => {
    peer = await tlsEcho();
    dte = await readyDte({ map: [`secure.example.com:443=127.0.0.1:${peer.port}`] });
    await stackUp(dte, 0);
    expect(await dte.exchange('AT+CIPSSL=1')).toBe('\r\nOK\r\n');
    expect(await sendUntil(dte, 'AT+CIPSTART="TCP","secure.example.com",443', 'CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\nCONNECT OK\r\n');
    const conn = await peer.conn();
    expect((conn.socket as import('node:tls').TLSSocket).servername).toBe('secure.example.com');
    await prompt(dte, 'AT+CIPSEND=5');
    expect(await writeUntil(dte, 'hello', 'SEND OK\r\nhello')).toBe('\r\nSEND OK\r\nhello');
  });

  it('multi: TinyGSM-style CIPSSL=1 then CIPSTART to port 8883 reaches the embedded broker TLS listener', async () => {
    dte = await readyDte();
    await stackUp(dte, 1, ['AT+CIPRXGET=1']);
    expect(await dte.exchange('AT+CIPSSL=1')).toBe('\r\nOK\r\n');
    expect(await sendUntil(dte, 'AT+CIPSTART=0,"TCP","mqtt.example.com",8883', '0, CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\n0, CONNECT OK\r\n');
    const connect = Buffer.from([0x10, 0x0f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x0f, 0x00, 0x03, 0x73, 0x73, 0x6c]);
    await prompt(dte, `AT+CIPSEND=0,${connect.length}`);
    await writeUntil(dte, connect, '0, SEND OK\r\n');
    await waitText(dte, '+CIPRXGET: 1,0\r\n');
    let answer = '';
    await eventually('the CONNACK', async () => (answer = await dte.exchange('AT+CIPRXGET=2,0,10')).includes('+CIPRXGET: 2,0,4,'));
    expect(answer).toBe(`\r\n+CIPRXGET: 2,0,4,0\r\n${latin1(Buffer.from([0x20, 0x02, 0x00, 0x00]))}\r\nOK\r\n`);
  });

  it('a TLS handshake that fails is CONNECT FAIL', async () => {
    peer = await PeerServer.start(); // plain TCP: it never answers the ClientHello with TLS
    dte = await readyDte();
    await stackUp(dte, 0, ['AT+CIPSSL=1']);
    const conn = sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1",${peer.port}`, 'CONNECT FAIL\r\n');
    (await peer.conn()).end('not TLS at all\r\n');
    expect(await conn).toBe('\r\nOK\r\n\r\nSTATE: TCP CLOSED\r\n\r\nCONNECT FAIL\r\n');
  });
});
