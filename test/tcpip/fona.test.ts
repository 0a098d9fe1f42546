/**
 * Adafruit FONA's single-connection TCP functions, restated (test/tcpip/clients.ts), against
 * the emulator and a real peer: enableGPRS(true), TCPconnect (CIPMUX=0, quoted port),
 * TCPconnected (OK, then STATE: CONNECT OK), TCPsend (SEND OK), TCPavailable, TCPread,
 * TCPclose, enableGPRS(false) (docs/tcpip.md §7).
 */
import { readyDte } from '../helpers/dte';
import { Fona } from './clients';
import { endAll, eventually, latin1, PeerServer } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let peer: PeerServer | undefined;
afterEach(() => endAll(dte, peer));

describe('Adafruit FONA', () => {
  it('enableGPRS, TCPconnect, TCPconnected, TCPsend, TCPavailable, TCPread, TCPclose, enableGPRS(false)', async () => {
    peer = await PeerServer.start();
    dte = await readyDte({ map: [`fona.example.com=127.0.0.1:${peer.port}`] });
    const f = new Fona(dte);

    // enableGPRS(true) with the default APN.
    expect(await f.sendCheckReply('AT+CIPSHUT', 'SHUT OK', 20000)).toBe(true);
    expect(await f.sendCheckReply('AT+CGATT=1', 'OK', 10000)).toBe(true);
    expect(await f.sendCheckReply('AT+SAPBR=3,1,"CONTYPE","GPRS"', 'OK', 10000)).toBe(true);
    expect(await f.sendCheckReply('AT+SAPBR=3,1,"APN","FONAnet"', 'OK', 10000)).toBe(true);
    expect(await f.sendCheckReply('AT+CSTT="FONAnet"', 'OK', 10000)).toBe(true);
    expect(await f.sendCheckReply('AT+SAPBR=1,1', 'OK', 30000)).toBe(true);
    expect(await f.sendCheckReply('AT+CIICR', 'OK', 10000)).toBe(true);

    // TCPconnect: CIPSHUT first (the stack back to IP INITIAL), CIPMUX=0, CIPRXGET=1,
    // CIPSTART with a quoted port; the lines OK and CONNECT OK.
    expect(await f.TCPconnect('fona.example.com', 80)).toBe(true);
    const conn = await peer.conn();
    expect(await f.TCPconnected()).toBe(true);

    expect(await f.TCPsend(Buffer.from('GET / HTTP/1.0\r\n\r\n'))).toBe(true);
    expect(latin1(await conn.waitBytes(18))).toBe('GET / HTTP/1.0\r\n\r\n');

    await conn.write('HTTP/1.0 200 OK\r\n\r\nhello');
    await eventually('TCPavailable() to see 24 bytes', async () => (await f.TCPavailable()) === 24);
    expect(latin1(await f.TCPread(10))).toBe('HTTP/1.0 2');
    expect(await f.TCPavailable()).toBe(14);
    expect(latin1(await f.TCPread(200))).toBe('00 OK\r\n\r\nhello');
    expect(await f.TCPavailable()).toBe(0);

    // TCPclose compares the line with "OK"; the module says CLOSE OK (so does the emulator).
    expect(await f.TCPclose()).toBe(false);
    expect(f.replybuffer).toBe('CLOSE OK');
    await conn.waitClosed();
    expect(await f.TCPconnected()).toBe(false);
    expect(f.replybuffer).toBe('STATE: IP CLOSE');

    // enableGPRS(false): each answer is exactly what FONA compares with.
    expect(await f.sendCheckReply('AT+CIPSHUT', 'SHUT OK', 20000)).toBe(true);
    expect(await f.sendCheckReply('AT+SAPBR=0,1', 'OK', 10000)).toBe(true);
    expect(await f.sendCheckReply('AT+CGATT=0', 'OK', 10000)).toBe(true);
  });
});
