/**
 * The fault link's transports: a plain session to the embedded broker runs in memory
 * (no socket, no proxy listener), a plain session to any other broker on the socket the
 * link opened (no proxy listener either); the faults act the same on both, and bytes go
 * straight through while none acts.
 */
import { duplexPair } from '../../src/broker/inMemory';
import { PacketCounter, PacketSplitter } from '../../src/faults/mqttPackets';
import { EmbeddedBroker } from '../../src/broker/embedded';
import { FaultController } from '../../src/faults';
import { Observer, online, startDevice, type Device } from '../helpers/mqtt';
import { until } from '../helpers/wait';

let dev: Device | undefined;
let faults: FaultController | undefined;
let obs: Observer | undefined;
let other: EmbeddedBroker | undefined;
afterEach(async () => {
  await obs?.close();
  await faults?.close();
  await dev?.stop();
  await other?.stop();
  obs = faults = dev = other = undefined;
});

const listener = (f: FaultController) => (f.link as unknown as { server: unknown }).server;

async function withWill(broker?: string): Promise<{ dev: Device; faults: FaultController; obs: Observer }> {
  dev = await startDevice(broker ? { broker } : {});
  faults = new FaultController(dev.emu.modem, { seed: 3 });
  await dev.dte.ok('ATE0;+CMEE=1');
  await online(dev.dte, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="TOPIC","will/t"', 'AT+SMCONF="MESSAGE","gone"']);
  obs = await Observer.connect(broker ?? dev.emu.endpoints.broker!);
  await obs.subscribe('will/t');
  await obs.subscribe('echo');
  return { dev, faults, obs };
}

async function cutAndLoss(d: Device, f: FaultController, o: Observer): Promise<void> {
  await d.dte.ok('AT+SMPUB="echo",0,0,"one"');
  expect((await o.waitFor((m) => m.topic === 'echo')).payload.toString()).toBe('one');
  f.inject('packetLoss', { rate: 1, direction: 'up' });
  await d.dte.ok('AT+SMPUB="echo",0,0,"lost"');
  await until(() => f.link.counters.dropped > 0, 5000, 'the lost publish');
  expect(f.link.counters.dropped).toBe(1);
  f.clear('packetLoss');
  const at = d.mark();
  f.link.cutAll();
  await d.dte.waitForRaw('+SMSTATE: 0\r\n', 5000, at);
  expect((await o.waitFor((m) => m.topic === 'will/t')).payload.toString()).toBe('gone');
  expect(o.messages.filter((m) => m.topic === 'echo').map((m) => m.payload.toString())).toEqual(['one']);
}

describe('fault link transports', () => {
  it('a plain session to the embedded broker runs in memory: no proxy listener; loss, cut and will as on sockets', async () => {
    const { dev: d, faults: f, obs: o } = await withWill();
    expect(listener(f)).toBeNull();
    expect(f.link.open).toBe(1);
    await cutAndLoss(d, f, o);
    expect(f.link.open).toBe(0);
  });

  it('a plain session to another broker takes the socket the link opened: no proxy listener; loss, cut and will the same', async () => {
    other = await EmbeddedBroker.start({ host: '0.0.0.0', port: 0 }); // registered as 0.0.0.0: dialled over TCP
    const { dev: d, faults: f, obs: o } = await withWill(`mqtt://127.0.0.1:${other.address.port}`);
    expect(listener(f)).toBeNull();
    expect(f.link.open).toBe(1);
    await cutAndLoss(d, f, o);
    expect(f.link.open).toBe(0);
  });

  it('a delay injected on a live connection to another broker holds its packets, and they pass in order', async () => {
    other = await EmbeddedBroker.start({ host: '0.0.0.0', port: 0 });
    const { dev: d, faults: f, obs: o } = await withWill(`mqtt://127.0.0.1:${other.address.port}`);
    await d.dte.ok('AT+SMSUB="echo",0');
    await d.dte.waitFor('+SMSUB:');
    const before = { ...f.link.counters };
    f.inject('brokerSlow', { ms: 20, direction: 'both' });
    const at = d.mark();
    await d.dte.ok('AT+SMPUB="echo",0,0,"a"');
    await d.dte.ok('AT+SMPUB="echo",0,0,"b"');
    await d.dte.waitForRaw('"b"\r\n', 5000, at);
    expect(d.since(at).match(/\+SMPUBLISH: 0,"echo",1,"(.)"/g)).toEqual(['+SMPUBLISH: 0,"echo",1,"a"', '+SMPUBLISH: 0,"echo",1,"b"']);
    // Two PUBLISHes up, two deliveries down, every one held.
    expect(f.link.counters.delayed - before.delayed).toBe(4);
    expect(o.messages.filter((m) => m.topic === 'echo').map((m) => m.payload.toString())).toEqual(['a', 'b']);
  });

  it('with no fault acting and no tap, packets pass uncut and are still counted, both ways', async () => {
    const { dev: d, faults: f } = await withWill();
    const before = { ...f.link.counters };
    await d.dte.ok('AT+SMSUB="echo",0');
    await d.dte.waitFor('+SMSUB:');
    const at = d.mark();
    await d.dte.ok('AT+SMPUB="echo",0,0,"x"');
    await d.dte.waitForRaw('"x"\r\n', 5000, at);
    // SUBSCRIBE and PUBLISH up; SUBACK and the delivery down.
    expect(f.link.counters.up - before.up).toBe(2);
    expect(f.link.counters.down - before.down).toBe(2);
    expect(f.link.counters.delayed).toBe(before.delayed);
  });

  it('PacketCounter counts whole packets however the stream is cut, and finish() finds where one ends', () => {
    const packets = [
      Buffer.from([0xc0, 0x00]), // PINGREQ: no body
      Buffer.concat([Buffer.from([0x30, 0x06, 0x00, 0x01, 0x74]), Buffer.from('abc')]), // PUBLISH t "abc"
      Buffer.concat([Buffer.from([0x30, 0xc8, 0x01, 0x00, 0x01, 0x74]), Buffer.alloc(197, 0x41)]), // remaining length 200, two bytes
      Buffer.from([0x40, 0x02, 0x00, 0x07]), // PUBACK
    ];
    const stream = Buffer.concat(packets);
    for (let cut = 0; cut <= stream.length; cut++) {
      const c = new PacketCounter();
      expect(c.count(stream.subarray(0, cut)) + c.count(stream.subarray(cut))).toBe(packets.length);
      expect(c.atBoundary).toBe(true);
    }
    let sizes = 0;
    for (const p of packets) {
      const c = new PacketCounter();
      c.count(stream.subarray(0, sizes + 1)); // the first byte of this packet
      expect(c.finish(stream.subarray(sizes + 1))).toBe(p.length - 1);
      expect(c.atBoundary).toBe(true);
      sizes += p.length;
    }
    expect(new PacketSplitter().pending).toBe(false);
    const s = new PacketSplitter();
    expect(s.push(stream.subarray(0, 3))).toEqual([packets[0]]);
    expect(s.pending).toBe(true);
  });

  it('duplexPair: bytes in order, end travels, destroy closes the peer', async () => {
    const [a, b] = duplexPair();
    const got: string[] = [];
    a.resume(); // a reader, as mqtt.js and aedes are: the ends close once both are read
    b.on('data', (c: Buffer) => got.push(c.toString()));
    const closed = Promise.all([a, b].map((s) => new Promise((r) => s.once('close', r))));
    a.write('x');
    a.write('y');
    a.end();
    await closed; // no half-open: the end travels, both ends finish and close
    expect(got.join('')).toBe('xy');
    const [c, d] = duplexPair();
    c.destroy();
    await new Promise((r) => d.once('close', r));
    expect(d.destroyed).toBe(true);
  });

  it("duplexPair: a turn's writes reach the peer as one chunk, in the next tick, strings as UTF-8; callbacks, end and drain as Writable's", async () => {
    const [a, b] = duplexPair();
    const chunks: string[] = [];
    let bytes = 0;
    let writing = false;
    b.on('data', (c: Buffer) => {
      expect(writing).toBe(false); // never inside the writer's write()
      chunks.push(c.toString('utf8'));
      bytes += c.length;
    });
    // A packet as mqtt-packet writes one: under cork, header, length, a topic string, the payload.
    writing = true;
    a.cork();
    expect(a.write(Buffer.from([0x30]))).toBe(true);
    a.write(Buffer.from([0x0b]));
    a.write('tö/x');
    a.write(Buffer.from('pay'));
    process.nextTick(() => a.uncork());
    writing = false;
    await until(() => chunks.length === 1, 2000, 'the first turn');
    expect(Buffer.from(chunks[0], 'utf8')).toEqual(Buffer.concat([Buffer.from([0x30, 0x0b]), Buffer.from('tö/x', 'utf8'), Buffer.from('pay')]));
    // A write with a callback goes behind what was gathered, and its callback is called.
    let called = false;
    a.write('1');
    a.write('2', () => (called = true));
    a.write('3');
    await until(() => chunks.join('').endsWith('123') && called, 2000, 'the ordered writes and the callback');
    // Past the high-water mark: false, then 'drain' once the bytes are handed on.
    const big = Buffer.alloc(a.writableHighWaterMark + 1, 0x61);
    const drained = new Promise((r) => a.once('drain', r));
    expect(a.write(big)).toBe(false);
    await drained;
    await until(() => bytes === 10 + 3 + big.length, 2000, 'the big write'); // 'ö' is two bytes
    // After end(): Writable's own error, and nothing more reaches the peer.
    const err = new Promise<Error>((r) => a.once('error', r));
    b.resume();
    a.end();
    a.write('late');
    expect((await err).message).toMatch(/write after end/);
    expect(chunks.join('')).not.toContain('late');
  });
});
