/**
 * What the broker sees and sends, checked with a separate mqtt.js client: publishes
 * arrive intact, deliveries reach the device as +SMPUBLISH, the will goes out when the
 * device vanishes (and not on AT+SMDISC), and clean-session semantics hold. Against the
 * embedded broker and against mosquitto.
 */
import { startEmulator } from '../../src/emulator';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { online, Observer, sleep, startDevice, type Device } from '../helpers/mqtt';

let mosq: Mosquitto;
beforeAll(async () => {
  mosq = await startMosquitto();
});
afterAll(async () => mosq?.stop());

type Target = 'embedded' | 'mosquitto';
const targets: Target[] = ['embedded', 'mosquitto'];

describe.each(targets)('against %s', (target) => {
  let dev: Device;
  let observer: Observer;
  beforeEach(async () => {
    dev = await startDevice(target === 'mosquitto' ? { broker: mosq.url } : {});
    observer = await Observer.connect(dev.emu.endpoints.broker!);
  });
  afterEach(async () => {
    await observer.close();
    await dev.stop();
  });

  it('delivers what the device publishes with topic, payload bytes, QoS and retain intact', async () => {
    await observer.subscribe('dev/#', 1);
    await online(dev.dte);
    // Latin-1 bytes go out as the same bytes; \" is a literal quote (IOTKIT sends it).
    await dev.dte.ok('AT+SMPUB="dev/a",1,0,"caf\xe9 \\"q\\""');
    await dev.dte.waitFor('+SMPUB: 1,');
    await dev.dte.ok('AT+SMPUB="dev/b",0,0,"zero"');
    expect(await dev.dte.waitFor('+SMPUB: 2,')).toBe('+SMPUB: 2,0');
    const a = await observer.waitFor((m) => m.topic === 'dev/a');
    expect(a.payload).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x20, 0x22, 0x71, 0x22]));
    expect(a.qos).toBe(1);
    const b = await observer.waitFor((m) => m.topic === 'dev/b');
    expect([b.payload.toString(), b.qos]).toEqual(['zero', 0]);

    await dev.dte.ok('AT+SMPUB="dev/retained",1,1,"kept"');
    await dev.dte.waitFor('+SMPUB: 3,0');
    // A new subscriber gets the retained message with the retain flag set.
    const late = await Observer.connect(dev.emu.endpoints.broker!);
    await late.subscribe('dev/retained', 1);
    const r = await late.waitFor((m) => m.topic === 'dev/retained');
    expect([r.payload.toString(), r.retain]).toEqual(['kept', true]);
    await late.client.publishAsync('dev/retained', '', { qos: 1, retain: true }); // clear it
    await late.close();
  });

  it('reports what the broker delivers as +SMPUBLISH, raw bytes, topic cut to 128', async () => {
    await online(dev.dte);
    await dev.dte.ok('AT+SMSUB="down/#",1');
    await dev.dte.waitFor('+SMSUB: 1,0');
    const from = dev.dte.received.length;
    await observer.client.publishAsync('down/q0', 'plain', { qos: 0 });
    const bytes = Buffer.from([0x41, 0x00, 0x0d, 0x0a, 0x22, 0xff]);
    await observer.client.publishAsync('down/q1', bytes, { qos: 1 });
    const longTopic = `down/${'x'.repeat(200)}`;
    await observer.client.publishAsync(longTopic, 'long', { qos: 1 });
    await dev.dte.waitForRaw(',"long"\r\n', 5000, from);
    const raw = dev.dte.received.slice(from);
    const id = '[1-9]\\d*';
    expect(raw).toMatch(
      new RegExp(
        `^\\r\\n\\+SMPUBLISH: 0,"down/q0",5,"plain"\\r\\n` +
          `\\r\\n\\+SMPUBLISH: ${id},"down/q1",6,"A\\x00\\r\\n"\\xff"\\r\\n` +
          `\\r\\n\\+SMPUBLISH: ${id},"${longTopic.slice(0, 128)}",4,"long"\\r\\n$`,
      ),
    );
  });

  it('sends the will when the device vanishes (restart), not on AT+SMDISC', async () => {
    await observer.subscribe('will/#', 1);
    const will = ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="CLIENTID","will-dev"', 'AT+SMCONF="TOPIC","will/dev"', 'AT+SMCONF="MESSAGE","gone"', 'AT+SMCONF="QOS",1'];
    await online(dev.dte, will);
    await dev.dte.ok('AT+SMDISC');
    await sleep(200);
    expect(observer.messages).toEqual([]); // DISCONNECT sent: no will

    await dev.dte.ok('AT+SMCONN');
    await dev.dte.ok('AT+CFUN=1,1'); // the module reboots: the socket just goes
    const m = await observer.waitFor((x) => x.topic === 'will/dev');
    expect([m.payload.toString(), m.qos]).toEqual(['gone', 1]);
    // The reboot ends the session silently: no +SMSTATE: 0 on the wire.
    await sleep(50);
    expect(dev.dte.received).not.toContain('+SMSTATE: 0');
  });

  it('CLEANSS=0 keeps the subscription across a reconnect and queued QoS 1 messages arrive', async () => {
    await online(dev.dte, ['AT+SMCONF="CLEANSS",0', `AT+SMCONF="CLIENTID","keep-${target}"`]);
    await dev.dte.ok('AT+SMSUB="keep/t",1');
    await dev.dte.waitFor('+SMSUB: 1,0');
    await dev.dte.ok('AT+SMDISC');
    await observer.client.publishAsync('keep/t', 'queued-1', { qos: 1 });
    await observer.client.publishAsync('keep/t', 'queued-2', { qos: 1 });
    await dev.dte.ok('AT+SMCONN');
    expect(await dev.dte.waitFor('+SMPUBLISH:')).toMatch(/^\+SMPUBLISH: \d+,"keep\/t",8,"queued-1"$/);
    expect(await dev.dte.waitFor('+SMPUBLISH:')).toMatch(/^\+SMPUBLISH: \d+,"keep\/t",8,"queued-2"$/);
    // Still subscribed without a new SMSUB.
    await observer.client.publishAsync('keep/t', 'live', { qos: 1 });
    expect(await dev.dte.waitFor('+SMPUBLISH:')).toMatch(/"live"$/);
  });

  it('CLEANSS=1 drops the subscription: nothing queued, nothing delivered after a reconnect', async () => {
    await online(dev.dte, ['AT+SMCONF="CLEANSS",1', `AT+SMCONF="CLIENTID","clean-${target}"`]);
    await dev.dte.ok('AT+SMSUB="clean/t",1');
    await dev.dte.waitFor('+SMSUB: 1,0');
    await dev.dte.ok('AT+SMDISC');
    await observer.client.publishAsync('clean/t', 'while-away', { qos: 1 });
    await dev.dte.ok('AT+SMCONN');
    await observer.client.publishAsync('clean/t', 'after', { qos: 1 });
    await sleep(200);
    expect(dev.dte.received).not.toContain('+SMPUBLISH');
  });
});

it('sends the will when the emulator is stopped (mosquitto outlives it)', async () => {
  const observer = await Observer.connect(mosq.url);
  await observer.subscribe('will/stop', 1);
  const emu = await startEmulator({ tcp: false, broker: mosq.url });
  const dte = emu.connect();
  await dte.ok('AT');
  await online(dte, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="TOPIC","will/stop"', 'AT+SMCONF="MESSAGE","emulator stopped"']);
  await emu.stop();
  const m = await observer.waitFor((x) => x.topic === 'will/stop');
  expect(m.payload.toString()).toBe('emulator stopped');
  await observer.close();
});
