/**
 * Failure paths provoked for real: nothing listening (161), a refused CONNACK from a
 * mosquitto with a password file (767), an unknown host in direct mode (160), a broker
 * that never answers (31), acks that never come (status 1), a refused subscription
 * (status 2), and the link going away (broker gone, bearer closed, radio off). After
 * every error the modem still answers AT.
 */
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { startFakeBroker, type FakeBroker } from '../helpers/fakeBroker';
import { bearerUp, online, Observer, startDevice, type Device } from '../helpers/mqtt';
import { refusingAddress } from '../helpers/net';
import { until } from '../helpers/wait';
import { VirtualClock } from '../../src/clock';
import type { EmulatorOptions } from '../../src/emulator';

let dev: Device | undefined;
let fake: FakeBroker | undefined;
let mosq: Mosquitto | undefined;
afterEach(async () => {
  await dev?.stop();
  await fake?.stop();
  await mosq?.stop();
  dev = fake = mosq = undefined;
});

async function device(opts: EmulatorOptions): Promise<Device> {
  dev = await startDevice(opts);
  await dev.dte.ok('AT+CMEE=1');
  return dev;
}

/** Bearer, URL, CLEANSS=1 and `conf`: everything before AT+SMCONN. */
async function configure(d: Device, conf: string[] = []): Promise<void> {
  await bearerUp(d.dte);
  await d.dte.ok('AT+SMCONF="URL","broker.example.com:1883"');
  await d.dte.ok('AT+SMCONF="CLEANSS",1');
  for (const line of conf) await d.dte.ok(line);
}

/** SMCONN's final result, and proof the modem still answers. */
async function smconn(d: Device, conf: string[] = []): Promise<{ final: string }> {
  await configure(d, conf);
  const r = await d.dte.send('AT+SMCONN', 15_000);
  expect((await d.dte.send('AT')).final).toBe('OK');
  expect(await d.dte.ok('AT+SMSTATE?')).toEqual([r.ok ? '+SMSTATE: 1' : '+SMSTATE: 0']);
  return { final: r.final };
}

describe('AT+SMCONN failures', () => {
  it('nothing listening on the port → 161 Socket open failed', async () => {
    const nobody = await refusingAddress();
    try {
      const d = await device({ broker: `mqtt://${nobody.host}:${nobody.port}` });
      expect((await smconn(d)).final).toBe('+CME ERROR: 161');
    } finally {
      await nobody.close();
    }
  });

  it('wrong password on a mosquitto with a password file → 767; the right one connects', async () => {
    mosq = await startMosquitto({ users: { dev: 'right-pw' } });
    const d = await device({ broker: mosq.url });
    expect((await smconn(d, ['AT+SMCONF="USERNAME","dev"', 'AT+SMCONF="PASSWORD","wrong-pw"'])).final).toBe('+CME ERROR: 767');
    await d.dte.ok('AT+SMCONF="PASSWORD","right-pw"');
    expect((await d.dte.send('AT+SMCONN')).final).toBe('OK');
  });

  it('no credentials on that mosquitto → 767 too', async () => {
    mosq = await startMosquitto({ users: { dev: 'right-pw' } });
    const d = await device({ broker: mosq.url });
    expect((await smconn(d)).final).toBe('+CME ERROR: 767');
  });

  it('unknown host in direct mode → 160 DNS resolve failed', async () => {
    const d = await device({ broker: 'direct' });
    await bearerUp(d.dte);
    await d.dte.ok('AT+SMCONF="URL","nonexistent.invalid:1883"');
    await d.dte.ok('AT+SMCONF="CLEANSS",1');
    const r = await d.dte.send('AT+SMCONN');
    expect(r.final).toBe('+CME ERROR: 160');
    expect((await d.dte.send('AT')).final).toBe('OK');
  });

  it('a broker that accepts and never answers → 31 exactly when TIMEOUT is up on the modem clock', async () => {
    fake = await startFakeBroker('silent');
    const clock = new VirtualClock();
    const d = await device({ broker: fake.url, clock });
    await configure(d, ['AT+SMCONF="TIMEOUT",1']);
    let answered = false;
    const running = d.dte.send('AT+SMCONN', 15_000).finally(() => (answered = true));
    await until(() => fake!.received.length > 0, 5000, 'the CONNECT at the broker');
    await clock.advanceAsync(999);
    expect(answered).toBe(false);
    await clock.advanceAsync(1);
    expect((await running).final).toBe('+CME ERROR: 31');
    expect((await d.dte.send('AT')).final).toBe('OK');
    expect(await d.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
    expect(fake.received).toEqual(['CONNECT']);
  });

  it('CLEANSS=0 without a CLIENTID is refused (767), as a broker would', async () => {
    const d = await device({});
    expect((await smconn(d, ['AT+SMCONF="CLEANSS",0'])).final).toBe('+CME ERROR: 767');
  });
});

describe('acks that do not come', () => {
  it('SMPUB/SMSUB/SMUNSUB with no ack end in status 1 after TIMEOUT, in request order', async () => {
    fake = await startFakeBroker('connackOnly');
    const d = await device({ broker: fake.url });
    expect((await smconn(d, ['AT+SMCONF="TIMEOUT",1'])).final).toBe('OK');
    const from = d.mark();
    await d.dte.ok('AT+SMSUB="t",1');
    await d.dte.ok('AT+SMPUB="t",1,0,"x"');
    await d.dte.ok('AT+SMPUB="t",0,0,"fire and forget"'); // QoS 0: done at once, but after the earlier ones
    await d.dte.ok('AT+SMUNSUB="t"');
    await d.dte.waitFor('+SMUNSUB:', 3000);
    expect(d.since(from)).toBe(
      'AT+SMSUB="t",1\r\r\nOK\r\n' +
        'AT+SMPUB="t",1,0,"x"\r\r\nOK\r\n' +
        'AT+SMPUB="t",0,0,"fire and forget"\r\r\nOK\r\n' +
        'AT+SMUNSUB="t"\r\r\nOK\r\n' +
        '\r\n+SMSUB: 1,1\r\n\r\n+SMPUB: 2,1\r\n\r\n+SMPUB: 3,0\r\n\r\n+SMUNSUB: 4,1\r\n',
    );
    expect(fake.received).toEqual(['CONNECT', 'SUBSCRIBE', 'PUBLISH', 'PUBLISH', 'UNSUBSCRIBE']);
    expect(await d.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 1']);
  });

  it('a refused subscription (SUBACK 0x80) ends in +SMSUB: <id>,2', async () => {
    fake = await startFakeBroker('refuseSubscribe');
    const d = await device({ broker: fake.url });
    expect((await smconn(d)).final).toBe('OK');
    await d.dte.ok('AT+SMSUB="forbidden",1');
    expect(await d.dte.waitFor('+SMSUB:')).toBe('+SMSUB: 1,2');
  });

  it('the link going away fails every open request (status 2), then +SMSTATE: 0', async () => {
    fake = await startFakeBroker('connackOnly');
    const d = await device({ broker: fake.url });
    expect((await smconn(d)).final).toBe('OK');
    await d.dte.ok('AT+SMPUB="t",1,0,"a"');
    await d.dte.ok('AT+SMPUB="t",1,0,"b"');
    const from = d.mark();
    fake.dropClients();
    await d.dte.waitFor('+SMSTATE: 0');
    expect(d.since(from)).toBe('\r\n+SMPUB: 1,2\r\n\r\n+SMPUB: 2,2\r\n\r\n+SMSTATE: 0\r\n');
    expect(await d.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
    expect((await d.dte.send('AT+SMPUB="t",1,0,"c"')).final).toBe('+CME ERROR: 767');
  });

  it('AT+SMDISC with a publish in flight: DISCONNECT goes out at once, the publish ends in status 2', async () => {
    fake = await startFakeBroker('connackOnly');
    const d = await device({ broker: fake.url });
    expect((await smconn(d)).final).toBe('OK');
    await d.dte.ok('AT+SMPUB="t",1,0,"a"');
    const from = d.mark();
    await d.dte.ok('AT+SMDISC');
    await d.dte.waitFor('+SMPUB: 1,');
    expect(d.since(from)).toBe('AT+SMDISC\r\r\nOK\r\n\r\n+SMPUB: 1,2\r\n');
    expect(fake.received).toEqual(['CONNECT', 'PUBLISH', 'DISCONNECT']);
  });
});

describe('+SMSTATE: 0 when the session drops', () => {
  it('mosquitto going away', async () => {
    mosq = await startMosquitto();
    const d = await device({ broker: mosq.url });
    await online(d.dte);
    const from = d.mark();
    await mosq.stop();
    await d.dte.waitFor('+SMSTATE: 0');
    expect(d.since(from)).toBe('\r\n+SMSTATE: 0\r\n');
    expect((await d.dte.send('AT')).final).toBe('OK');
    // And it comes back when the broker does.
    mosq = await startMosquitto({ port: mosq.port });
    expect((await d.dte.send('AT+SMCONN')).final).toBe('OK');
  });

  it('AT+SAPBR=0,1 while connected: OK, then +SMSTATE: 0; the broker sees the device vanish (will)', async () => {
    const d = await device({});
    const observer = await Observer.connect(d.emu.endpoints.broker!);
    await observer.subscribe('will/#');
    await online(d.dte, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="TOPIC","will/bearer"', 'AT+SMCONF="MESSAGE","lost"']);
    const r = await d.dte.send('AT+SAPBR=0,1');
    expect(r.final).toBe('OK');
    await d.dte.waitFor('+SMSTATE: 0');
    expect(d.dte.received.endsWith('AT+SAPBR=0,1\r\r\nOK\r\n\r\n+SMSTATE: 0\r\n')).toBe(true);
    expect((await observer.waitFor((m) => m.topic === 'will/bearer')).payload.toString()).toBe('lost');
    await observer.close();
  });

  it.each([
    ['AT+CFUN=0', '\r\n+SAPBR 1: DEACT\r\n\r\n+PDP: DEACT\r\n\r\n+CPIN: NOT READY\r\n\r\nOK\r\n\r\n+SMSTATE: 0\r\n'],
    ['AT+CFUN=4', '\r\n+SAPBR 1: DEACT\r\n\r\n+PDP: DEACT\r\n\r\nOK\r\n\r\n+SMSTATE: 0\r\n'],
    ['AT+CGATT=0', '\r\n+SAPBR 1: DEACT\r\n\r\n+PDP: DEACT\r\n\r\nOK\r\n\r\n+SMSTATE: 0\r\n'],
  ])('%s while connected', async (line, after) => {
    const d = await device({});
    await online(d.dte);
    const from = d.mark();
    await d.dte.send(line);
    await d.dte.waitFor('+SMSTATE: 0');
    expect(d.since(from)).toBe(`${line}\r${after}`);
    expect((await d.dte.send('AT+SMSUB="a",1')).final).toBe('+CME ERROR: 767');
  });
});
