/**
 * TinyGSM's SIM800 client and PubSubClient on top, restated (test/tcpip/clients.ts), run
 * against the emulator: connect → write → CIPRXGET reads → status → remote close, then
 * MQTT to the embedded broker under a production host name (docs/tcpip.md §5, §7).
 */
import { VirtualClock } from '../../src/clock';
import { readyDte } from '../helpers/dte';
import { Observer } from '../helpers/mqtt';
import { GsmClient, PubSubClient, TinyGsmSim800 } from './clients';
import { ALL_BYTES, endAll, eventually, latin1, pattern, PeerServer } from './helpers';

let dte: Awaited<ReturnType<typeof readyDte>>;
let peer: PeerServer | undefined;
let observer: Observer | undefined;
afterEach(() => endAll(observer, dte, peer));

/** Reads until `n` bytes came, the way a sketch loops on available()/read(). */
async function readAll(client: GsmClient, n: number): Promise<Buffer> {
  let got = Buffer.alloc(0);
  await eventually(`${n} bytes through TinyGSM (have ${got.length})`, async () => {
    if (await client.available()) got = Buffer.concat([got, await client.read(n - got.length)]);
    return got.length >= n;
  });
  return got;
}

describe('TinyGSM SIM800 client', () => {
  it('gprsConnect(), connect(), write(), the +CIPRXGET: 1,0 notice, reads, status, remote close', async () => {
    peer = await PeerServer.start({ echo: true });
    dte = await readyDte({ map: [`echo.example.com:7=127.0.0.1:${peer.port}`] });
    const clock = new VirtualClock();
    const modem = new TinyGsmSim800(dte, clock);
    expect(await modem.gprsConnect('internet')).toBe(true);

    const client = new GsmClient(modem, 0);
    expect(await client.connect('echo.example.com', 7)).toBe(true);
    // stop() before connecting: nothing open yet, the module answers ERROR and TinyGSM carries on.
    expect(modem.sent.slice(-3)).toEqual(['AT+CIPCLOSE=0,1', 'AT+CIPSSL=0', 'AT+CIPSTART=0,"TCP","echo.example.com",7']);
    await peer.conn();

    expect(await client.write(Buffer.from('hello'))).toBe(5);
    expect(latin1(await readAll(client, 5))).toBe('hello');
    expect(await modem.modemGetConnected(0)).toBe(true);

    // Every byte value, then more than the 63-byte FIFO holds: several CIPRXGET=2 reads.
    expect(await client.write(ALL_BYTES)).toBe(256);
    expect((await readAll(client, 256)).equals(ALL_BYTES)).toBe(true);
    const big = pattern(1000, 5);
    expect(await client.write(big)).toBe(1000);
    expect((await readAll(client, 1000)).equals(big)).toBe(true);
    expect(modem.sent.filter((l) => l.startsWith('AT+CIPRXGET=2,0,')).every((l) => Number(l.split(',')[2]) <= 63)).toBe(true);

    // The server closes: CLOSED marks the socket closed; connected() turns false.
    peer.conns[0].end();
    await eventually('connected() to turn false', async () => !(await client.connected()));
    expect(await modem.modemGetConnected(0)).toBe(false);
    await client.stop();
  });

  it('remote close with data still in the module: connected() stays true until it is read, then false', async () => {
    peer = await PeerServer.start();
    dte = await readyDte({ map: [`data.example.com:80=127.0.0.1:${peer.port}`] });
    const modem = new TinyGsmSim800(dte, new VirtualClock());
    expect(await modem.gprsConnect('internet')).toBe(true);
    const client = new GsmClient(modem, 2);
    expect(await client.connect('data.example.com', 80)).toBe(true);
    const data = pattern(300, 9);
    const conn = await peer.conn();
    await conn.write(data);
    conn.end();
    await conn.waitClosed();
    expect((await readAll(client, 300)).equals(data)).toBe(true);
    await eventually('connected() to turn false', async () => !(await client.connected()));
  });
});

describe('PubSubClient over TinyGSM to the embedded broker', () => {
  it('CONNECT/CONNACK, SUBSCRIBE, PUBLISH out, its own message back, a cloud message, PINGREQ after 15 s', async () => {
    dte = await readyDte(); // --broker embedded: port 1883 destinations go to the embedded broker
    observer = await Observer.connect(dte.emu.endpoints.broker!);
    await observer.subscribe('tinygsm/out', 0);
    const clock = new VirtualClock();
    const modem = new TinyGsmSim800(dte, clock);
    expect(await modem.gprsConnect('internet')).toBe(true);
    const client = new GsmClient(modem, 0);
    const inbox: [string, string][] = [];
    const mqtt = new PubSubClient(client, clock, 'mqtt.example.com', 1883, (t, p) => inbox.push([t, latin1(p)]));

    expect(await mqtt.connect('tinygsm-device')).toBe(true);
    expect(modem.sent).toContain('AT+CIPSTART=0,"TCP","mqtt.example.com",1883');
    expect(mqtt.got[0]).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00])); // CONNACK, accepted

    expect(await mqtt.subscribe('tinygsm/in')).toBe(true);
    await eventually('the SUBACK', async () => {
      await mqtt.loop();
      return mqtt.got.some((p) => p[0] === 0x90);
    });

    const payload = Buffer.concat([Buffer.from('bytes:'), ALL_BYTES]);
    expect(await mqtt.publish('tinygsm/out', payload)).toBe(true);
    const seen = await observer.waitFor((m) => m.topic === 'tinygsm/out');
    expect(seen.payload.equals(payload)).toBe(true);

    expect(await mqtt.publish('tinygsm/in', 'self')).toBe(true);
    await eventually('its own message back', async () => {
      await mqtt.loop();
      return inbox.some(([t, p]) => t === 'tinygsm/in' && p === 'self');
    });

    await observer.client.publishAsync('tinygsm/in', 'from the cloud');
    await eventually('the cloud message', async () => {
      await mqtt.loop();
      return inbox.some(([, p]) => p === 'from the cloud');
    });

    // 15 s of the firmware's millis() without traffic: PINGREQ, answered by PINGRESP.
    const before = mqtt.written.length;
    clock.advance(15_001);
    expect(await mqtt.loop()).toBe(true);
    expect(mqtt.written.slice(before)).toEqual([Buffer.from([0xc0, 0x00])]);
    expect(mqtt.pingOutstanding).toBe(true);
    await eventually('the PINGRESP', async () => {
      await mqtt.loop();
      return !mqtt.pingOutstanding;
    });
    expect(mqtt.got[mqtt.got.length - 1]).toEqual(Buffer.from([0xd0, 0x00]));
    expect(await mqtt.connected()).toBe(true);

    await client.stop();
    expect(modem.sent[modem.sent.length - 1]).toBe('AT+CIPCLOSE=0,1');
  });

  it('the MQTT-port rule: 1883 goes to the broker, another port goes direct, --map wins over both', async () => {
    peer = await PeerServer.start();
    dte = await readyDte({ map: [`mapped.example.com:1883=127.0.0.1:${peer.port}`] });
    const modem = new TinyGsmSim800(dte, new VirtualClock());
    expect(await modem.gprsConnect('internet')).toBe(true);
    // --map first: the rule's target, not the broker.
    expect(await new GsmClient(modem, 1).connect('mapped.example.com', 1883)).toBe(true);
    await peer.conn();
    // Direct: the address as given (the peer's port is not an MQTT port).
    expect(await new GsmClient(modem, 2).connect('127.0.0.1', peer.port)).toBe(true);
    await peer.conn(1);
    // An MQTT port with a name that resolves nowhere: the embedded broker answers.
    const broker = new GsmClient(modem, 3);
    expect(await broker.connect('broker.invalid', 1883)).toBe(true);
    const connect = Buffer.from([0x10, 0x0f, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x0f, 0x00, 0x03, 0x61, 0x62, 0x63]);
    expect(await broker.write(connect)).toBe(connect.length);
    expect(await readAll(broker, 4)).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00]));
  });
});
