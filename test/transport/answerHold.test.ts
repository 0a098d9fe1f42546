/**
 * What the TCP wire writes: the answers to a chunk from the DTE in one write, and, when
 * the embedded broker (in memory) answers a request of that chunk within the event-loop
 * cycle (a PUBACK, the delivery of a publish to the module's own subscription), that
 * answer in the same write; never held for an answer that does not come.
 */
import * as net from 'node:net';
import { DteClient } from '../../src/client/dteClient';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { online } from '../helpers/mqtt';
import { topicMatches } from '../../src/commands/mqtt/session';

let emu: EmulatorHandle | undefined;
let dte: DteClient | undefined;
afterEach(async () => {
  await dte?.close();
  await emu?.stop();
  emu = dte = undefined;
});

/** The emulator's socket writes (not the DTE's) while `run` goes, as the bytes of each. */
async function serverWrites(client: net.Socket, run: () => Promise<void>): Promise<string[]> {
  const writes: string[] = [];
  const original = net.Socket.prototype.write;
  const spy = jest.spyOn(net.Socket.prototype, 'write').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
    if (this !== client) writes.push(typeof args[0] === 'string' ? args[0] : Buffer.from(args[0] as Uint8Array).toString('latin1'));
    return original.apply(this, args as Parameters<typeof original>);
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return writes;
}

async function onlineOverTcp(): Promise<{ dte: DteClient; socket: net.Socket }> {
  emu = await startEmulator({ tcp: { host: '127.0.0.1', port: 0 }, brokerPort: 0, brokerTlsPort: false });
  dte = await DteClient.connectTcp(emu.endpoints.tcp!.port);
  await dte.ok('AT');
  await dte.ok('ATE0');
  await online(dte);
  await dte.ok('AT+SMSUB="own/t",1');
  await dte.waitFor('+SMSUB:');
  return { dte, socket: dte.stream as net.Socket };
}

describe('TCP wire writes', () => {
  it('a publish to the modem\'s own subscription: OK, the ack and the delivery leave in one write', async () => {
    const { dte, socket } = await onlineOverTcp();
    const from = dte.received.length;
    const writes = await serverWrites(socket, async () => {
      dte.write('AT+SMPUB="own/t",0,0,"hi"\r');
      await dte.waitForRaw('"hi"\r\n', 5000, from);
    });
    expect(writes).toEqual(['\r\nOK\r\n\r\n+SMPUB: 2,0\r\n\r\n+SMPUBLISH: 0,"own/t",2,"hi"\r\n']);
  });

  it('QoS 1: OK and the ack on the PUBACK in one write; a line with nothing to wait for in one write at once', async () => {
    const { dte, socket } = await onlineOverTcp();
    let from = dte.received.length;
    let writes = await serverWrites(socket, async () => {
      dte.write('AT+SMPUB="other/t",1,0,"x"\r');
      await dte.waitForRaw('+SMPUB: 2,0\r\n', 5000, from);
    });
    expect(writes).toEqual(['\r\nOK\r\n\r\n+SMPUB: 2,0\r\n']);
    from = dte.received.length;
    writes = await serverWrites(socket, async () => {
      dte.write('AT+CSQ\r');
      await dte.waitForRaw('OK\r\n', 5000, from);
    });
    expect(writes).toEqual([expect.stringMatching(/^\r\n\+CSQ: \d+,\d+\r\n\r\nOK\r\n$/)]);
  });

  it('an answer that does not come holds nothing for long: the delivery lost, OK and the ack still arrive', async () => {
    const { dte } = await onlineOverTcp();
    emu!.faults.inject('packetLoss', { rate: 1, direction: 'down' });
    const from = dte.received.length;
    dte.write('AT+SMPUB="own/t",0,0,"lost"\r');
    await dte.waitForRaw('+SMPUB: 2,0\r\n', 5000, from);
    expect(dte.received.slice(from)).toBe('\r\nOK\r\n\r\n+SMPUB: 2,0\r\n');
  });
});

describe('topicMatches (MQTT 3.1.1 §4.7)', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true],
    ['a/#', 'a/b/c', true],
    ['#', 'a/b', true],
    ['#', '$SYS/x', false],
    ['$SYS/#', '$SYS/x', true],
    ['+/b', '/b', true],
    ['a/b', 'a/c', false],
    ['a/b', 'a/b/c', false],
    ['a', 'a/', false],
    ['a/+/c', 'a/b/c', true],
    ['a/+/c', 'a/b/d', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
