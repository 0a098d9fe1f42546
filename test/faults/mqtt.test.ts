/**
 * The faults of the network path against a real broker (the embedded aedes), exact URCs:
 * the link cut and refused, refusing CONNACKs, slow acks past TIMEOUT, lost packets,
 * and the bearer/registration faults taking an MQTT session down.
 */
import { VirtualClock } from '../../src/clock';
import type { EmulatorOptions } from '../../src/emulator';
import { FaultController } from '../../src/faults';
import { Observer, online, startDevice, type Device } from '../helpers/mqtt';
import { until as waitUntil } from '../helpers/wait';

let dev: Device;
let faults: FaultController;
let obs: Observer | undefined;
afterEach(async () => {
  await obs?.close();
  obs = undefined;
  await faults?.close();
  await dev?.stop();
});

async function device(conf: string[] = ['AT+SMCONF="CLEANSS",1'], opts: EmulatorOptions = {}): Promise<void> {
  dev = await startDevice(opts);
  faults = new FaultController(dev.emu.modem, { seed: 3 });
  await dev.dte.ok('ATE0;+CMEE=1');
  await online(dev.dte, conf);
  obs = await Observer.connect(dev.emu.endpoints.broker!);
}

/** A device online with a will on `topic`, the observer subscribed to it. */
async function withWill(topic: string, message: string): Promise<void> {
  await device(['AT+SMCONF="CLEANSS",1', `AT+SMCONF="TOPIC","${topic}"`, `AT+SMCONF="MESSAGE","${message}"`]);
  await obs!.subscribe(topic);
}

/** The will the broker published when the link went without a DISCONNECT. */
async function will(topic: string): Promise<string> {
  return (await obs!.waitFor((m) => m.topic === topic)).payload.toString();
}

/** Waits until the bytes since `from` end with `tail`, then returns them all. */
async function until(from: number, tail: string, ms = 5000): Promise<string> {
  await dev.dte.waitForRaw(tail, ms, from);
  return dev.since(from);
}

describe('brokerDown', () => {
  it('cuts the live link (+SMSTATE: 0, the broker sends the will); SMCONN gets 161 until it clears', async () => {
    await withWill('will/t', 'gone');
    const at = dev.mark();
    faults.inject('brokerDown');
    expect(await until(at, '+SMSTATE: 0\r\n')).toBe('\r\n+SMSTATE: 0\r\n');
    expect(await will('will/t')).toBe('gone');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('+CME ERROR: 161');
    expect(faults.link.counters.refused).toBe(1);
    faults.clear('brokerDown');
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('OK');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 1']);
  });

  it('requests in flight end with status 2 before +SMSTATE: 0', async () => {
    await device();
    faults.inject('brokerSlow', { ms: 60_000 });
    const at = dev.mark();
    await dev.dte.ok('AT+SMSUB="a",1');
    await dev.dte.ok('AT+SMPUB="a",1,0,"x"');
    faults.inject('brokerDown');
    expect(await until(at, '+SMSTATE: 0\r\n')).toBe('\r\nOK\r\n\r\nOK\r\n\r\n+SMSUB: 1,2\r\n\r\n+SMPUB: 2,2\r\n\r\n+SMSTATE: 0\r\n');
  });
});

describe('brokerRefuse', () => {
  it.each([
    [5, '+CME ERROR: 767'],
    [2, '+CME ERROR: 767'],
  ])('CONNACK code %i → %s; a live session is left alone', async (code, final) => {
    await device();
    faults.inject('brokerRefuse', { code });
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 1']);
    await dev.dte.ok('AT+SMDISC');
    expect((await dev.dte.send('AT+SMCONN')).final).toBe(final);
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
    faults.clear('brokerRefuse');
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('OK');
  });
});

describe('brokerSlow', () => {
  it('an ack later than TIMEOUT: +SMPUB: <id>,1, though the broker got the message; the late ack changes nothing', async () => {
    // On a clock only the test moves: the timeout is due at exactly 1000 ms, the ack at 1500.
    const clock = new VirtualClock();
    await device(['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="TIMEOUT",1'], { clock });
    await obs!.subscribe('slow/t');
    faults.inject('brokerSlow', { ms: 1500 });
    const acks: string[] = [];
    faults.link.on('packet', (p) => p.dir === 'down' && p.info.type === 'PUBACK' && acks.push('PUBACK'));
    const at = dev.mark();
    await dev.dte.ok('AT+SMPUB="slow/t",1,0,"late"');
    expect((await obs!.waitFor((m) => m.topic === 'slow/t')).payload.toString()).toBe('late');
    await clock.advanceAsync(999);
    expect(dev.since(at)).toBe('\r\nOK\r\n');
    await clock.advanceAsync(1);
    expect(await until(at, '+SMPUB: 1,1\r\n')).toBe('\r\nOK\r\n\r\n+SMPUB: 1,1\r\n');
    await clock.advanceAsync(499);
    expect(acks).toEqual([]);
    await clock.advanceAsync(1); // the PUBACK reaches the module now, after the timeout
    await waitUntil(() => acks.length === 1, 5000, 'the late PUBACK');
    await dev.dte.ok('AT'); // a round trip: anything the ack caused is on the wire by now
    expect(dev.since(at)).toBe('\r\nOK\r\n\r\n+SMPUB: 1,1\r\n\r\nOK\r\n');
    faults.clear('brokerSlow');
    await dev.dte.ok('AT+SMPUB="slow/t",1,0,"fast"');
    expect(await dev.dte.waitFor('+SMPUB:')).toBe('+SMPUB: 2,0');
  });

  it('a delay under TIMEOUT only slows things down, in order', async () => {
    await device(['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="TIMEOUT",5']);
    faults.inject('brokerSlow', { ms: 300, direction: 'both' });
    const at = dev.mark();
    await dev.dte.ok('AT+SMSUB="s/t",1');
    await dev.dte.ok('AT+SMPUB="s/t",1,0,"one"');
    expect(await until(at, '"one"\r\n')).toBe('\r\nOK\r\n\r\nOK\r\n\r\n+SMSUB: 1,0\r\n\r\n+SMPUB: 2,0\r\n\r\n+SMPUBLISH: 1,"s/t",3,"one"\r\n');
    expect(faults.link.counters.delayed).toBeGreaterThanOrEqual(4);
  });
});

describe('packetLoss', () => {
  it('rate 1 up: the PUBLISH never reaches the broker, status 1 after TIMEOUT', async () => {
    await device(['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="TIMEOUT",1']);
    await obs!.subscribe('lost/t');
    faults.inject('packetLoss', { rate: 1, direction: 'up' });
    await dev.dte.ok('AT+SMPUB="lost/t",1,0,"x"');
    expect(await dev.dte.waitFor('+SMPUB:')).toBe('+SMPUB: 1,1');
    expect(obs!.messages).toEqual([]);
    expect(faults.link.counters.dropped).toBe(1);
  });

  it('rate 1 down: the SUBACK is lost, +SMSUB: 1,1; nothing delivered', async () => {
    await device(['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="TIMEOUT",1']);
    faults.inject('packetLoss', { rate: 1, direction: 'down' });
    await dev.dte.ok('AT+SMSUB="d/t",1');
    expect(await dev.dte.waitFor('+SMSUB:')).toBe('+SMSUB: 1,1');
  });

  it('the link tap sees what passed and what was lost', async () => {
    await device();
    const seen: string[] = [];
    faults.link.on('packet', (p) => seen.push(`${p.dir} ${p.info.type}${p.dropped ? ' lost' : ''}`));
    faults.inject('packetLoss', { rate: 1, direction: 'down' });
    await dev.dte.ok('AT+SMPUB="q0",0,0,"z"');
    await dev.dte.ok('AT+SMPUB="q1",1,0,"z"');
    await waitUntil(() => seen.length >= 3, 5000, 'three packets on the link');
    expect(seen).toEqual(['up PUBLISH', 'up PUBLISH', 'down PUBACK lost']);
  });
});

describe('network faults under a session', () => {
  it('bearerDrop: +SAPBR 1: DEACT, then +SMSTATE: 0; the broker sends the will', async () => {
    await withWill('will/b', 'bye');
    const at = dev.mark();
    faults.inject('bearerDrop');
    expect(await until(at, '+SMSTATE: 0\r\n')).toBe('\r\n+SAPBR 1: DEACT\r\n\r\n+SMSTATE: 0\r\n');
    expect(await will('will/b')).toBe('bye');
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('+CME ERROR: 148');
  });

  it('registrationLost: +CREG: 2, DEACT, +SMSTATE: 0, +PDP: DEACT; back: reconnect works', async () => {
    await device();
    await dev.dte.ok('AT+CREG=1');
    const at = dev.mark();
    faults.inject('registrationLost');
    expect(await until(at, '+PDP: DEACT\r\n')).toBe('\r\n+CREG: 2\r\n\r\n+SAPBR 1: DEACT\r\n\r\n+SMSTATE: 0\r\n\r\n+PDP: DEACT\r\n');
    faults.clear('registrationLost');
    await dev.dte.waitFor('+CREG: 1');
    await dev.dte.ok('AT+SAPBR=1,1');
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('OK');
  });

  it('reboot: the session ends without a word (no +SMSTATE), the broker sends the will', async () => {
    await withWill('will/r', 'rb');
    const at = dev.mark();
    faults.inject('reboot');
    expect(await will('will/r')).toBe('rb');
    expect(dev.since(at)).not.toContain('+SMSTATE');
    await dev.dte.ok('AT');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
  });
});
