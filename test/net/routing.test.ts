/**
 * Broker routing: the --broker modes, --map rewrites (rules before the mode), the
 * emulator's broker endpoint and ready line, one-line errors for bad options, and the
 * embedded broker's clean stop.
 */
import * as net from 'node:net';
import { startEmulator } from '../../src/emulator';
import { BrokerRouter } from '../../src/net/routing';
import { startFakeBroker, type FakeBroker } from '../helpers/fakeBroker';
import { bearerUp, startDevice, type Device } from '../helpers/mqtt';

describe('BrokerRouter', () => {
  const dest = { host: 'Broker.Example.com', port: 8883 };

  it('direct dials the configured URL; embedded and override dial their one broker', () => {
    expect(new BrokerRouter('direct').route(dest)).toEqual(dest);
    expect(new BrokerRouter('override', [], { host: '10.0.0.1', port: 1884 }).route(dest)).toEqual({ host: '10.0.0.1', port: 1884 });
    const embedded = new BrokerRouter('embedded');
    expect(() => embedded.route(dest)).toThrow(/no embedded broker address/);
    embedded.setTarget({ host: '127.0.0.1', port: 40000 });
    expect(embedded.route(dest)).toEqual({ host: '127.0.0.1', port: 40000 });
  });

  it('applies the first matching rule before the mode; a rule without port matches any port', () => {
    const rules = ['other.example=1.1.1.1:1', 'broker.example.com:1883=2.2.2.2:2', 'BROKER.example.com=3.3.3.3:3', 'keep.example=4.4.4.4'].map((r) =>
      BrokerRouter.parseRule(r),
    );
    const router = new BrokerRouter('override', rules, { host: '9.9.9.9', port: 9 });
    expect(router.route({ host: 'broker.example.com', port: 1883 })).toEqual({ host: '2.2.2.2', port: 2 });
    expect(router.route(dest)).toEqual({ host: '3.3.3.3', port: 3 }); // case-insensitive host, any port
    expect(router.route({ host: 'keep.example', port: 6000 })).toEqual({ host: '4.4.4.4', port: 6000 }); // target keeps the port
    expect(router.route({ host: 'unmatched.example', port: 1 })).toEqual({ host: '9.9.9.9', port: 9 });
  });

  it.each(['no-equals', '=1.2.3.4:1', 'a.example=', 'a.example=b:0', 'a.example:99999=b:1', 'a b=c:1', 'a=b:c'])('rejects the rule %p', (rule) => {
    expect(() => BrokerRouter.parseRule(rule)).toThrow(/^invalid map rule ".*": .* \(expected host\[:port\]=host:port\)$/);
  });

  it('parses override URLs, default port 1883', () => {
    expect(BrokerRouter.parseUrl('mqtt://mosquitto:1883')).toEqual({ host: 'mosquitto', port: 1883 });
    expect(BrokerRouter.parseUrl('mqtt://10.0.0.2')).toEqual({ host: '10.0.0.2', port: 1883 });
    expect(BrokerRouter.parseUrl('mqtt://[::1]:1884/')).toEqual({ host: '::1', port: 1884 });
    for (const bad of ['http://x:1', 'x:1883', 'mqtt://', 'mqtt://x:0', 'embeded']) expect(() => BrokerRouter.parseUrl(bad)).toThrow(/^invalid broker/);
  });
});

describe('emulator options', () => {
  it.each([
    [{ map: ['nonsense'] }, /^invalid map rule "nonsense"/],
    [{ broker: 'mqtt://' }, /^invalid broker "mqtt:\/\/": expected embedded, direct or mqtt:\/\/host:port$/],
    [{ broker: 'tcp://x:1' }, /^invalid broker/],
    [{ brokerPort: 70000 }, /^invalid broker port "70000"/],
  ])('%p throws one clear line before anything listens', async (opts, msg) => {
    await expect(startEmulator({ tcp: { port: 0 }, ...opts })).rejects.toThrow(msg);
  });

  it('reports an embedded broker port already in use as one line', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    await expect(startEmulator({ tcp: false, brokerPort: port })).rejects.toThrow(`embedded broker: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    await new Promise((r) => blocker.close(r));
  });

  it('shows the broker in endpoints and the ready line: embedded (bound port), override, none for direct', async () => {
    const embedded = await startEmulator({ tcp: { port: 0 }, brokerPort: 0 });
    const port = Number(/:(\d+)$/.exec(embedded.endpoints.broker!)![1]);
    expect(port).toBeGreaterThan(0);
    const tlsPort = Number(/:(\d+)$/.exec(embedded.endpoints.brokerTls!)![1]);
    expect(embedded.readyLine).toBe(`sim800-emu ready tcp=127.0.0.1:${embedded.endpoints.tcp!.port} broker=mqtt://127.0.0.1:${port} broker-tls=mqtts://127.0.0.1:${tlsPort}`);
    await embedded.stop();
    // stop() closed the embedded broker.
    await expect(
      new Promise((resolve, reject) => net.connect(port, '127.0.0.1').once('connect', resolve).once('error', reject)),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    const override = await startEmulator({ tcp: false, broker: 'mqtt://mosquitto:1883' });
    expect(override.endpoints.broker).toBe('mqtt://mosquitto:1883');
    expect(override.readyLine).toBe('sim800-emu ready broker=mqtt://mosquitto:1883');
    await override.stop();

    const direct = await startEmulator({ tcp: false, broker: 'direct' });
    expect(direct.endpoints.broker).toBeUndefined();
    expect(direct.readyLine).toBe('sim800-emu ready');
    await direct.stop();
  });
});

describe('routing a device', () => {
  let dev: Device;
  let fake: FakeBroker;
  afterEach(async () => {
    await dev?.stop();
    await fake?.stop();
  });

  it('a --map rule wins over the embedded mode; other URLs still go to the embedded broker', async () => {
    fake = await startFakeBroker('connackOnly');
    dev = await startDevice({ map: [`special.example=127.0.0.1:${fake.port}`] });
    await bearerUp(dev.dte);
    await dev.dte.ok('AT+SMCONF="CLEANSS",1');
    await dev.dte.ok('AT+SMCONF="URL","special.example:1883"');
    await dev.dte.ok('AT+SMCONN');
    expect(fake.received).toEqual(['CONNECT']);
    await dev.dte.ok('AT+SMDISC');
    await dev.dte.ok('AT+SMCONF="URL","production.example:1883"');
    await dev.dte.ok('AT+SMCONN');
    await dev.dte.ok('AT+SMSUB="t",1');
    expect(await dev.dte.waitFor('+SMSUB:')).toBe('+SMSUB: 1,0'); // the fake never acks: this was aedes
    expect(fake.received).toEqual(['CONNECT', 'DISCONNECT']);
  });
});
