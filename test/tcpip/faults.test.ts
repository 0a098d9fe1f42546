/**
 * The link's faults on CIP sockets (docs/tcpip.md §5): brokerDown refuses and cuts broker
 * connections, brokerSlow holds data on every connection, packetLoss leaves plain TCP alone.
 */
import { VirtualClock } from '../../src/clock';
import { readyDte } from '../helpers/dte';
import { connectToPeer, endAll, eventually, latin1, PeerServer, prompt, sendUntil, stackUp, waitText, writeUntil } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let peer: PeerServer | undefined;
afterEach(() => endAll(dte, peer));

describe('faults on CIP connections', () => {
  it('brokerDown: a live broker connection is cut (CLOSED), a new one is CONNECT FAIL; cleared, it connects', async () => {
    dte = await readyDte();
    await stackUp(dte, 1);
    await sendUntil(dte, 'AT+CIPSTART=0,"TCP","mqtt.example.com",1883', '0, CONNECT OK\r\n');
    dte.mark();
    const from = dte.received().length;
    dte.emu.faults.inject('brokerDown');
    await waitText(dte, '0, CLOSED\r\n', from);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\n0, CLOSED\r\n');
    expect(await sendUntil(dte, 'AT+CIPSTART=1,"TCP","mqtt.example.com",1883', '1, CONNECT FAIL\r\n')).toBe('\r\nOK\r\n\r\n1, CONNECT FAIL\r\n');
    dte.emu.faults.clear('brokerDown');
    expect(await sendUntil(dte, 'AT+CIPSTART=1,"TCP","mqtt.example.com",1883', '1, CONNECT OK\r\n')).toBe('\r\nOK\r\n\r\n1, CONNECT OK\r\n');
  });

  it('brokerSlow (both ways): data reaches the peer, and the echo the module, only after the delay', async () => {
    const clock = new VirtualClock();
    ({ dte, peer } = await connectToPeer({ echo: true, emulator: { clock } }));
    const conn = await peer.conn();
    dte.emu.faults.inject('brokerSlow', { ms: 300, direction: 'both' });
    await prompt(dte, 'AT+CIPSEND=4');
    dte.mark();
    dte.write('slow');
    await dte.settle();
    expect(conn.received.length).toBe(0);
    await clock.advanceAsync(299);
    expect(conn.received.length).toBe(0);
    await clock.advanceAsync(1);
    expect(latin1(await conn.waitBytes(4))).toBe('slow');
    await waitText(dte, 'SEND OK\r\n');
    await clock.advanceAsync(299);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nSEND OK\r\n');
    await clock.advanceAsync(1);
    await waitText(dte, 'SEND OK\r\nslow');
  });

  it('packetLoss leaves a non-MQTT TCP stream whole', async () => {
    ({ dte, peer } = await connectToPeer({ extra: ['AT+CIPRXGET=1'], echo: true }));
    dte.emu.faults.inject('packetLoss', { rate: 1 });
    for (let i = 0; i < 5; i++) {
      await prompt(dte, 'AT+CIPSEND=10');
      await writeUntil(dte, `chunk${i}....`, 'SEND OK\r\n');
    }
    await eventually('50 bytes echoed', async () => (await dte.exchange('AT+CIPRXGET=4')) === '\r\n+CIPRXGET: 4,50\r\n\r\nOK\r\n');
    expect(latin1((await peer.conn()).received)).toBe('chunk0....chunk1....chunk2....chunk3....chunk4....');
  });
});
