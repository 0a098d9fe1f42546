/**
 * The SIM800 MQTT application note's Example 1 (its 4.1), byte for byte with echo on, against the
 * embedded broker and against a real mosquitto. The firmware's production URL
 * 117.131.85.139:6000 is routed to the local broker by the emulator's options.
 */
import { DteClient } from '../../src/client/dteClient';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { Observer } from '../helpers/mqtt';
import { sleep, until } from '../helpers/wait';

/** [line sent, bytes expected for it, including the URCs that follow its OK]. */
const EXAMPLE_1: [string, string][] = [
  ['AT+SAPBR=3,1,"Contype","GPRS"', '\r\nOK\r\n'],
  ['AT+SAPBR=3,1,"APN","CMNET"', '\r\nOK\r\n'],
  ['AT+SAPBR=1,1', '\r\nOK\r\n'],
  ['AT+SAPBR=2,1', '\r\n+SAPBR: 1,1,"10.89.193.1"\r\n\r\nOK\r\n'],
  ['AT+SMCONF="URL","117.131.85.139:6000"', '\r\nOK\r\n'],
  ['AT+SMCONF="CLEANSS",1', '\r\nOK\r\n'],
  ['AT+SMCONN', '\r\nOK\r\n'],
  ['AT+SMSUB="Topic1",1', '\r\nOK\r\n\r\n+SMSUB: 1,0\r\n'],
  ['AT+SMPUB="Topic1",1,0,"hello world"', '\r\nOK\r\n\r\n+SMPUB: 2,0\r\n\r\n+SMPUBLISH: 1,"Topic1",11,"hello world"\r\n'],
  ['AT+SMUNSUB="Topic1"', '\r\nOK\r\n\r\n+SMUNSUB: 3,0\r\n'],
  ['AT+SMDISC', '\r\nOK\r\n'],
  ['AT+SAPBR=0,1', '\r\nOK\r\n'],
];

/** Runs the transcript; each step waits for as many bytes as it expects (URCs come after OK). */
async function runExample(dte: DteClient): Promise<{ got: string; want: string }> {
  await dte.ok('AT'); // autobaud sync, not part of the note's transcript
  const start = dte.received.length;
  let want = '';
  for (const [line, answer] of EXAMPLE_1) {
    want += `${line}\r${answer}`;
    await dte.send(line);
    const got = () => dte.received.slice(start);
    // Until the answer is complete, or differs from the expected one (the caller shows how).
    await until(() => got().length >= want.length || !want.startsWith(got()), 3000, `${JSON.stringify(want)}; got ${JSON.stringify(got())}`);
    if (!got().startsWith(want)) break; // a mismatch: stop and show it
  }
  // Nothing may follow: no stray URC (no +SMSTATE: 0 after SMDISC, no DEACT after SAPBR=0).
  await sleep(100);
  return { got: dte.received.slice(start), want };
}

describe('Example 1 against the embedded broker', () => {
  let emu: EmulatorHandle;
  afterEach(async () => emu?.stop());

  it('runs byte for byte (in-process DTE), and the broker sees the publish', async () => {
    emu = await startEmulator({ tcp: false, brokerPort: 0 });
    expect(emu.endpoints.broker).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.readyLine).toBe(`sim800-emu ready broker=${emu.endpoints.broker} broker-tls=${emu.endpoints.brokerTls}`);
    const observer = await Observer.connect(emu.endpoints.broker!);
    await observer.subscribe('Topic1');
    const dte = emu.connect();
    const { got, want } = await runExample(dte);
    expect(got).toBe(want);
    const m = await observer.waitFor((x) => x.topic === 'Topic1');
    expect(m.payload.toString()).toBe('hello world');
    await observer.close();
    await dte.close();
  });
});

describe('Example 1 against mosquitto', () => {
  let mosq: Mosquitto;
  let emu: EmulatorHandle;
  beforeAll(async () => {
    mosq = await startMosquitto();
  });
  afterAll(async () => mosq?.stop());
  afterEach(async () => emu?.stop());

  const routes: [string, (port: number) => EmulatorOptions][] = [
    ['--broker direct --map 117.131.85.139:6000=127.0.0.1:PORT', (port) => ({ broker: 'direct', map: [`117.131.85.139:6000=127.0.0.1:${port}`] })],
    ['--broker mqtt://127.0.0.1:PORT', (port) => ({ broker: `mqtt://127.0.0.1:${port}` })],
  ];

  it.each(routes)('runs byte for byte over TCP with %s', async (_name, route) => {
    emu = await startEmulator({ tcp: { port: 0 }, ...route(mosq.port) });
    const dte = await DteClient.connectTcp(emu.endpoints.tcp!.port);
    const { got, want } = await runExample(dte);
    expect(got).toBe(want);
    await dte.close();
  });
});
