/**
 * Soak: a device subscribed at QoS 1 to the topic it publishes to, thousands of rounds,
 * each round one QoS 1 publish, its ack URC and its own message coming back. No stall,
 * no lost or reordered URC, ids in sequence.
 */
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { online, startDevice, type Device } from '../helpers/mqtt';
import { until } from '../helpers/wait';

const ROUNDS = 3000;

let mosq: Mosquitto;
beforeAll(async () => {
  mosq = await startMosquitto();
});
afterAll(async () => mosq?.stop());

describe.each(['embedded', 'mosquitto'])('%s', (target) => {
  let dev: Device;
  afterEach(async () => dev?.stop());

  it(`echoes ${ROUNDS} QoS 1 rounds without a stall`, async () => {
    dev = await startDevice(target === 'mosquitto' ? { broker: mosq.url } : {});
    await online(dev.dte);
    await dev.dte.ok('AT+SMSUB="loop/t",1');
    expect(await dev.dte.waitFor('+SMSUB:')).toBe('+SMSUB: 1,0');
    const t0 = Date.now();
    for (let i = 1; i <= ROUNDS; i++) {
      const msg = `m${i}`;
      await dev.dte.ok(`AT+SMPUB="loop/t",1,0,"${msg}"`);
      // The note's order every time: the ack, then the delivery.
      const ack = await dev.dte.waitFor(/^\+SMPUB(LISH)?: /, 5000);
      const got = await dev.dte.waitFor(/^\+SMPUB(LISH)?: /, 5000);
      if (ack !== `+SMPUB: ${i + 1},0` || !got.endsWith(`,"loop/t",${msg.length},"${msg}"`)) {
        throw new Error(`round ${i}: got ${ack} / ${got}`);
      }
    }
    const ms = Date.now() - t0;
    // Measured figure for the report (the test's own budget is jest's timeout).
    console.log(`${target}: ${ROUNDS} rounds in ${ms} ms (${((ms / ROUNDS) * 1000).toFixed(0)} µs/round)`);
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 1']);
  }, 60_000);

  it('keeps every ack and delivery, in order, when the device publishes without waiting', async () => {
    const N = 500;
    dev = await startDevice(target === 'mosquitto' ? { broker: mosq.url } : {});
    await online(dev.dte);
    await dev.dte.ok('AT+SMSUB="burst/t",1');
    await dev.dte.waitFor('+SMSUB: 1,0');
    const body = (i: number) => `${i}:${'x'.repeat(200)}`;
    // Acks and deliveries come whenever the event loop lets the broker's packets in: between
    // the commands, or after the last. Every line from here on is read, not just those after
    // the last command (DteClient.waitFor skips what came before a later send).
    const from = dev.mark();
    for (let i = 1; i <= N; i++) await dev.dte.ok(`AT+SMPUB="burst/t",1,0,"${body(i)}"`);
    const urcs = () => dev.since(from).split('\r\n').filter((l) => /^\+SMPUB(LISH)?: /.test(l));
    await until(() => urcs().length >= 2 * N, 10_000, `${2 * N} acks and deliveries`, 10);
    const acks = urcs().filter((l) => l.startsWith('+SMPUB: '));
    const deliveries = urcs().filter((l) => l.startsWith('+SMPUBLISH: '));
    expect(acks).toEqual(Array.from({ length: N }, (_, k) => `+SMPUB: ${k + 2},0`));
    deliveries.forEach((d, k) => expect(d.endsWith(`,"burst/t",${body(k + 1).length},"${body(k + 1)}"`)).toBe(true));
  }, 30_000);
});
