/**
 * The fault link's two transports: a plain session to the embedded broker runs in memory
 * (no socket, no proxy listener), any other broker through the loopback proxy; the
 * faults act the same on both.
 */
import { duplexPair } from '../../src/broker/inMemory';
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

  it('a session to another broker passes the loopback proxy, with the same faults', async () => {
    other = await EmbeddedBroker.start({ host: '0.0.0.0', port: 0 }); // registered as 0.0.0.0: dialled over TCP
    const { dev: d, faults: f, obs: o } = await withWill(`mqtt://127.0.0.1:${other.address.port}`);
    expect(listener(f)).not.toBeNull();
    expect(f.link.open).toBe(1);
    await cutAndLoss(d, f, o);
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
});
