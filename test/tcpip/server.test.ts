/**
 * AT+CIPSERVER (docs/tcpip.md §3.12, D21): the module's server is reachable on a host port
 * the emulator picks and reports in the control API's state; `<n>, REMOTE IP:` on accept.
 */
import * as net from 'node:net';
import { readyDte } from '../helpers/dte';
import { eventually, latin1, prompt, stackUp, waitText, writeUntil } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let client: net.Socket | undefined;
afterEach(async () => {
  client?.destroy();
  client = undefined;
  await dte?.close();
});

interface TcpipState {
  server?: { port: number; hostPort: number; state: string };
  sockets: { id: number; type: string; remote: string; state: string; bytesUp: number; bytesDown: number }[];
}
const tcpip = () => (dte.emu.control.state() as unknown as { tcpip: TcpipState }).tcpip;

async function connectTo(port: number): Promise<{ socket: net.Socket; data: () => string }> {
  let got = '';
  const socket = net.connect(port, '127.0.0.1');
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  socket.on('error', () => undefined);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, data: () => got };
}

describe('AT+CIPSERVER', () => {
  it('multi: SERVER OK, the host port in /state, REMOTE IP on accept, data both ways, S: line, SERVER CLOSE', async () => {
    dte = await readyDte();
    await stackUp(dte, 1);
    expect(await dte.exchange('AT+CIPSERVER=?')).toBe('\r\n+CIPSERVER: (0-CLOSE SERVER, 1-OPEN SERVER),(1,65535)\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CIPSERVER?')).toBe('\r\n+CIPSERVER: 0\r\n\r\nOK\r\n');
    dte.mark();
    let from = dte.received().length;
    dte.write('AT+CIPSERVER=1,8080\r');
    await waitText(dte, 'SERVER OK\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n\r\nSERVER OK\r\n');
    expect(await dte.exchange('AT+CIPSERVER?')).toBe('\r\n+CIPSERVER: 1,8080,"TCP",0\r\n\r\nOK\r\n');
    const server = tcpip().server!;
    expect(server.port).toBe(8080);
    expect(server.hostPort).toBeGreaterThan(0);

    dte.mark();
    from = dte.received().length;
    const c = await connectTo(server.hostPort);
    client = c.socket;
    await waitText(dte, 'REMOTE IP: 127.0.0.1\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n0, REMOTE IP: 127.0.0.1\r\n');

    dte.mark();
    from = dte.received().length;
    c.socket.write('ping');
    await waitText(dte, 'ping', from);
    expect(dte.sinceMark()).toBe('\r\n+RECEIVE,0,4:\r\nping');
    expect(await prompt(dte, 'AT+CIPSEND=0,4')).toBe('\r\n> ');
    expect(await writeUntil(dte, 'pong', '0, SEND OK\r\n')).toBe('\r\n0, SEND OK\r\n');
    await eventually('pong at the client', () => c.data() === 'pong');

    const status = await dte.exchange('AT+CIPSTATUS');
    expect(status).toMatch(/^\r\nOK\r\n\r\nSTATE: IP PROCESSING\r\n\r\nS: 0,0,"8080","LISTENING"\r\nC: 0,0,"TCP","127.0.0.1","\d+","CONNECTED"\r\n/);
    expect(tcpip().sockets.find((s) => s.id === 0)).toMatchObject({ type: 'TCP', state: 'CONNECTED', bytesUp: 4, bytesDown: 4 });

    dte.mark();
    from = dte.received().length;
    dte.write('AT+CIPSERVER=0\r');
    await waitText(dte, 'SERVER CLOSE\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n\r\nSERVER CLOSE\r\n');
    expect(tcpip().server).toBeUndefined();
    expect(latin1(Buffer.from(c.data(), 'latin1'))).toBe('pong');
  });

  it('single: REMOTE IP and state CONNECT OK for its one client; CIPSHUT stops the server', async () => {
    dte = await readyDte();
    await stackUp(dte, 0);
    dte.mark();
    let from = dte.received().length;
    dte.write('AT+CIPSERVER=1,2020\r');
    await waitText(dte, 'SERVER OK\r\n', from);
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: SERVER LISTENING\r\n');
    const hostPort = tcpip().server!.hostPort;
    from = dte.received().length;
    const c = await connectTo(hostPort);
    client = c.socket;
    await waitText(dte, '\r\nREMOTE IP: 127.0.0.1\r\n', from);
    expect(await dte.exchange('AT+CIPSTATUS')).toBe('\r\nOK\r\n\r\nSTATE: CONNECT OK\r\n');
    expect(await dte.exchange('AT+CIPSHUT')).toBe('\r\nSHUT OK\r\n');
    await eventually('the client to be closed', () => c.socket.destroyed || c.socket.readableEnded);
    expect(tcpip().server).toBeUndefined();
  });

  it('CIPSERVER before the stack is up, or a bad port: ERROR', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CIPSERVER=1,8080')).toBe('\r\nERROR\r\n');
    await stackUp(dte, 1);
    expect(await dte.exchange('AT+CIPSERVER=1,0')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSERVER=1,65536')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CIPSERVER=0')).toBe('\r\nERROR\r\n');
  });
});
