/**
 * One model of PDP contexts for AT+SAPBR, AT+CSTT/CIICR and AT+CGACT (docs/tcpip.md §2,
 * decisions D4, D5): what CIPSHUT, SAPBR=0,1, CGACT=0 and CGATT=0 each deactivate, and
 * bearer loss closing every socket with the module's URCs.
 */
import { readyDte } from '../helpers/dte';
import { connectToPeer, endAll, PeerServer, sendUntil, stackUp, waitText } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let peer: PeerServer | undefined;
afterEach(() => endAll(dte, peer));

/** TinyGSM's gprsConnect() up to CIFSR: CGACT=1,1 and SAPBR=1,1 before CSTT/CIICR. */
async function tinyGsmUp(mux: 0 | 1 = 1) {
  for (const line of ['AT+CGDCONT=1,"IP","internet"', 'AT+CGACT=1,1', 'AT+SAPBR=3,1,"APN","internet"', 'AT+SAPBR=1,1', `AT+CIPMUX=${mux}`, 'AT+CSTT="internet","",""', 'AT+CIICR']) {
    expect([line, await dte.exchange(line)]).toEqual([line, '\r\nOK\r\n']);
  }
  expect(await dte.exchange('AT+CIFSR')).toBe('\r\n10.89.193.1\r\n');
}

describe('what each command deactivates', () => {
  it('after TinyGSM opened everything, FONA-style CIPSHUT, SAPBR=0,1, CGATT=0 answer SHUT OK, OK, OK and nothing else', async () => {
    dte = await readyDte();
    await tinyGsmUp();
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    expect(await dte.exchange('AT+SAPBR=0,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGACT?')).toBe('\r\n+CGACT: 1,0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGATT=0')).toBe('\r\nOK\r\n');
  });

  it('CIPSHUT leaves the SAPBR bearer up (its address unchanged); the stack can come up again on it', async () => {
    dte = await readyDte();
    await dte.exchange('AT+SAPBR=1,1');
    await stackUp(dte, 0);
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,1,"10.89.193.1"\r\n\r\nOK\r\n');
    await stackUp(dte, 0);
  });

  it('SAPBR=0,1 leaves the stack up: connections carry on', async () => {
    peer = await PeerServer.start();
    dte = await readyDte();
    await dte.exchange('AT+SAPBR=1,1');
    await stackUp(dte, 0);
    await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1",${peer.port}`, 'CONNECT OK\r\n');
    expect(await dte.exchange('AT+SAPBR=0,1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: CONNECT OK\r\n');
    expect(await dte.exchange('AT+CIPSEND=2\rhi')).toBe('\r\n> \r\nSEND OK\r\n');
  });

  it('CGACT=0,1 takes context 1 from everyone: +SAPBR 1: DEACT, CLOSED, +PDP: DEACT, then OK', async () => {
    peer = await PeerServer.start();
    dte = await readyDte();
    await dte.exchange('AT+SAPBR=1,1');
    await stackUp(dte, 0);
    await sendUntil(dte, `AT+CIPSTART="TCP","127.0.0.1",${peer.port}`, 'CONNECT OK\r\n');
    const conn = await peer.conn();
    expect(await dte.exchange('AT+CGACT=0,1')).toBe('\r\n+SAPBR 1: DEACT\r\n\r\nCLOSED\r\n\r\n+PDP: DEACT\r\n\r\nOK\r\n');
    await conn.waitClosed();
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: PDP DEACT\r\n');
    expect(await dte.exchange('AT+SAPBR=2,1')).toBe('\r\n+SAPBR: 1,3,"0.0.0.0"\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPSEND=1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    await stackUp(dte, 0);
  });

  it('CGATT=0 with two connections (multi): both CLOSED, then +PDP: DEACT, before the OK', async () => {
    ({ dte, peer } = await connectToPeer({ id: 0 }));
    await sendUntil(dte, `AT+CIPSTART=4,"TCP","127.0.0.1",${peer.port}`, '4, CONNECT OK\r\n');
    await peer.conn(1);
    expect(await dte.exchange('AT+CGATT=0')).toBe('\r\n0, CLOSED\r\n\r\n4, CLOSED\r\n\r\n+PDP: DEACT\r\n\r\nOK\r\n');
    await peer.conns[0].waitClosed();
    await peer.conns[1].waitClosed();
    expect(await dte.exchange('AT+CIPSTATUS')).toMatch(/^\r\nOK\r\n\r\nSTATE: PDP DEACT\r\n/);
  });

  it('CFUN=0 with a connection: CLOSED and +PDP: DEACT among the notices before OK', async () => {
    ({ dte, peer } = await connectToPeer());
    expect(await dte.exchange('AT+CFUN=0')).toBe('\r\nCLOSED\r\n\r\n+PDP: DEACT\r\n\r\n+CPIN: NOT READY\r\n\r\nOK\r\n');
  });
});

describe('bearer loss', () => {
  it('the bearerDrop fault mid-transfer: <n>, CLOSED for each connection, then +PDP: DEACT, as URCs', async () => {
    ({ dte, peer } = await connectToPeer({ id: 0, extra: ['AT+CIPRXGET=1'], echo: true }));
    await sendUntil(dte, `AT+CIPSTART=1,"TCP","127.0.0.1",${peer.port}`, '1, CONNECT OK\r\n');
    await dte.exchange('AT+CIPSEND=0,4\rdata');
    await waitText(dte, '+CIPRXGET: 1,0\r\n');
    await dte.settle();
    dte.mark();
    const from = dte.received().length;
    dte.emu.faults.inject('bearerDrop', { cid: 0 });
    await waitText(dte, '+PDP: DEACT\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n0, CLOSED\r\n\r\n1, CLOSED\r\n\r\n+PDP: DEACT\r\n');
    expect(await dte.exchange('AT+CIPSTATUS')).toMatch(/^\r\nOK\r\n\r\nSTATE: PDP DEACT\r\n/);
    expect(await dte.exchange('AT+CIPSEND=1,1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    await stackUp(dte, 1);
    expect(await sendUntil(dte, `AT+CIPSTART=0,"TCP","127.0.0.1",${peer.port}`, '0, CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\n0, CONNECT OK\r\n');
  });
});
