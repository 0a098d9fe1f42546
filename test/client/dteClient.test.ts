/**
 * DteClient.send() against a scripted far end over a real TCP socket: an answer that comes
 * in pieces, information lines before the final result, a final that never comes.
 */
import * as net from 'node:net';
import { DteClient } from '../../src/client/dteClient';

let server: net.Server;
const peers: net.Socket[] = [];
let dte: DteClient;

/** A server whose one connection is handed to the test to answer by hand. */
async function connect(): Promise<net.Socket> {
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  dte = await DteClient.connectTcp((server.address() as net.AddressInfo).port);
  const peer = await accepted;
  peers.push(peer);
  return peer;
}

/** The next line the DTE writes, CR included. */
const nextLine = (peer: net.Socket) => new Promise<string>((resolve) => peer.once('data', (d: Buffer) => resolve(d.toString('latin1'))));

beforeEach(async () => {
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  await dte?.close();
  for (const p of peers.splice(0)) p.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('DteClient.send', () => {
  it('collects an answer that arrives a few bytes at a time, echo left out of the lines', async () => {
    const peer = await connect();
    const line = nextLine(peer);
    const answer = dte.send('AT+GSN');
    expect(await line).toBe('AT+GSN\r');
    for (const piece of ['AT+G', 'SN\r\r\n8667', '82041234564\r\n', '\r\nO', 'K\r\n']) {
      peer.write(piece);
      await new Promise((r) => setImmediate(r));
    }
    expect(await answer).toEqual({ lines: ['866782041234564'], final: 'OK', ok: true, raw: 'AT+GSN\r\r\n866782041234564\r\n\r\nOK\r\n' });
  });

  it('cuts lines at CR, at LF and at CRLF, several in one chunk or one across chunks, empty ones dropped; a prompt on a line of its own', async () => {
    const peer = await connect();
    const sent = nextLine(peer);
    const answer = dte.send('AT+X');
    await sent;
    // One chunk with four lines ending three ways; a line cut across two chunks (at a CR too).
    for (const piece of ['+A: 1\r\n+B: 2\r+C: 3\n\r\n+D: ', '4\r', '\nOK\r\n']) {
      peer.write(piece);
      await new Promise((r) => setImmediate(r));
    }
    expect(await answer).toEqual({ lines: ['+A: 1', '+B: 2', '+C: 3', '+D: 4'], final: 'OK', ok: true, raw: '+A: 1\r\n+B: 2\r+C: 3\n\r\n+D: 4\r\nOK\r\n' });
    expect(dte.lines).toEqual(['+A: 1', '+B: 2', '+C: 3', '+D: 4', 'OK']);
    const prompt = dte.send('AT+CIPSEND=1');
    await nextLine(peer);
    peer.write('\r\n> ');
    expect((await prompt).final).toBe('>');
  });

  it('takes +CME ERROR: <n> and the other final result codes as the end of the answer', async () => {
    const peer = await connect();
    for (const [final, ok] of [['+CME ERROR: 3', false], ['+CMS ERROR: 500', false], ['SHUT OK', true], ['NO CARRIER', false], ['ERROR', false]] as const) {
      const line = nextLine(peer);
      const answer = dte.send('AT+X');
      await line;
      peer.write(`\r\n+X: 1\r\n\r\n${final}\r\n`);
      expect(await answer).toMatchObject({ lines: ['+X: 1'], final, ok });
    }
  });

  it('does not take "+CME ERROR: " with no code, or OK inside a line, as a final', async () => {
    const peer = await connect();
    const line = nextLine(peer);
    const answer = dte.send('AT+X');
    await line;
    peer.write('\r\n+CME ERROR: \r\n\r\n+X: OK\r\n\r\nOK\r\n');
    expect(await answer).toMatchObject({ lines: ['+CME ERROR: ', '+X: OK'], final: 'OK' });
  });

  it('rejects when no final result comes within the time, with what did come, and takes the next command after it', async () => {
    const peer = await connect();
    const line = nextLine(peer);
    const answer = dte.send('AT', 50);
    await line;
    peer.write('AT\r');
    await expect(answer).rejects.toThrow('no final result for AT within 50 ms; got "AT\\r"');
    const again = dte.send('AT+CSQ');
    peer.write('\r\n+CSQ: 20,0\r\n\r\nOK\r\n');
    // The timed-out command's echo came before this command was sent: it is not part of its answer.
    expect((await again).lines).toEqual(['+CSQ: 20,0']);
  });

  it('with afterEcho, takes the answer from the line\'s own echo on: a timed-out command\'s late answer before it is not this one\'s', async () => {
    const peer = await connect();
    let line = nextLine(peer);
    const first = dte.send('AT', 50);
    expect(await line).toBe('AT\r');
    await expect(first).rejects.toThrow('no final result for AT within 50 ms');
    // The module was busy: it answers both ATs once the second is in, in order.
    line = nextLine(peer);
    const second = dte.send('AT', 10_000);
    expect(await line).toBe('AT\r');
    peer.write('AT\r\r\nOK\r\n');
    expect(await second).toMatchObject({ final: 'OK', ok: true });
    // The second AT's own answer is still on its way as AT+GSN goes.
    line = nextLine(peer);
    const gsn = dte.send('AT+GSN', 10_000, { afterEcho: true });
    expect(await line).toBe('AT+GSN\r');
    peer.write('AT\r\r\nOK\r\n');
    peer.write('AT+GSN\r\r\n866782041234564\r\n\r\nOK\r\n');
    expect(await gsn).toEqual({ lines: ['866782041234564'], final: 'OK', ok: true, raw: 'AT+GSN\r\r\n866782041234564\r\n\r\nOK\r\n' });
  });

  it('without afterEcho, a late answer passes for the next command\'s (what afterEcho is for)', async () => {
    const peer = await connect();
    let line = nextLine(peer);
    const first = dte.send('AT', 50);
    await line;
    await expect(first).rejects.toThrow('no final result for AT within 50 ms');
    line = nextLine(peer);
    const gsn = dte.send('AT+GSN', 10_000);
    await line;
    peer.write('AT\r\r\nOK\r\nAT+GSN\r\r\n866782041234564\r\n\r\nOK\r\n');
    // The late AT's echo and OK are taken as AT+GSN's answer: no IMEI in it.
    expect(await gsn).toMatchObject({ lines: ['AT'], final: 'OK' });
  });

  it('rejects at once when the far end closes while it waits', async () => {
    const peer = await connect();
    const line = nextLine(peer);
    const answer = dte.send('AT');
    await line;
    peer.destroy();
    await expect(answer).rejects.toThrow('connection closed while waiting for the answer to AT');
  });
});
