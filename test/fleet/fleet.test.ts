/**
 * Fleet mode (docs/fleet.md): N modems in one process on consecutive TCP ports (or pty
 * links), each with its own state and identity and its own MQTT session through the one
 * shared broker; stop() frees every port; the scripted DTE drives them; the CLI's
 * --modems prints one ready line listing them.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { getEventListeners } from 'node:events';
import { DteClient } from '../../src/client/dteClient';
import { checkFleetOptions, driveFleet, FLEET_AT_LOG_SIZE, formatTcpList, parseTcpList, runScriptedDte, startFleet, type FleetHandle, type FleetOptions } from '../../src/fleet';
import { addToDigits, identityFor, luhnDigit } from '../../src/fleet/identity';
import { DEFAULT_MODEM_CONFIG } from '../../src/modem/config';
import { ADDON } from '../../src/transport/pty';
import { parseConfigText } from '../../src/cli/config';
import { killAllClis, runCli, startCli } from '../helpers/cli';
import { useTempDir } from '../helpers/tmp';
import { until } from '../helpers/wait';

let fleet: FleetHandle | undefined;
const clients: DteClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await fleet?.stop();
  fleet = undefined;
  await killAllClis();
});

const BASE = { brokerPort: 0, brokerTlsPort: false } as const;

/** A fleet on consecutive ports from a random base; another base if one of them is taken. */
async function fleetOnConsecutivePorts(modems: number, extra: Partial<FleetOptions> = {}): Promise<FleetHandle> {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    try {
      return await startFleet({ ...BASE, ...extra, modems, tcp: { host: '127.0.0.1', port } });
    } catch (err) {
      if (attempt >= 5 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function dteTo(port: number): Promise<DteClient> {
  const c = await DteClient.connectTcp(port);
  clients.push(c);
  return c;
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });

describe('a fleet on TCP', () => {
  it('listens on consecutive ports, one modem each, with its own state and identity', async () => {
    fleet = await fleetOnConsecutivePorts(3);
    const ports = fleet.endpoints.tcp!.map((e) => e.port);
    expect(ports).toEqual([ports[0], ports[0] + 1, ports[0] + 2]);
    expect(fleet.readyLine).toMatch(new RegExp(`^sim800-emu ready tcp=127\\.0\\.0\\.1:${ports[0]}-${ports[2]} broker=mqtt://127\\.0\\.0\\.1:\\d+ modems=3$`));

    const [a, b, c] = await Promise.all(ports.map(dteTo));
    for (const d of [a, b, c]) await d.ok('AT');
    await a.ok('ATE0');
    // Modem 0 stopped echoing; modem 1 still echoes its lines.
    expect((await a.send('AT+CSQ')).raw).not.toContain('AT+CSQ');
    expect((await b.send('AT+CSQ')).raw).toContain('AT+CSQ');
    const imeis = await Promise.all([a, b, c].map(async (d) => (await d.ok('AT+GSN'))[0]));
    expect(new Set(imeis).size).toBe(3);
    expect(imeis[0]).toBe('866782041234564'); // modem 0 keeps the configured identity
  });

  it('gives each modem its own MQTT session through the one broker: modem 0 publishes, modem 1 receives', async () => {
    fleet = await startFleet({ ...BASE, modems: 2, tcp: { port: 0 } });
    const url = fleet.endpoints.broker!.replace('mqtt://', '');
    const [d0, d1] = await Promise.all(fleet.endpoints.tcp!.map((e) => dteTo(e.port)));
    const sub = await runScriptedDte(d1, 1, { url, subscribe: 'fleet/test/+', count: 0, stagger: false });
    expect(sub.errors).toEqual([]);
    const pub = await runScriptedDte(d0, 0, { url, topic: 'fleet/test/{i}', payload: '{"hello":{i}}', count: 1, stagger: false });
    expect(pub).toMatchObject({ connected: true, published: 1, failed: 0, errors: [] });
    expect(await d1.waitFor('+SMPUBLISH:')).toBe('+SMPUBLISH: 0,"fleet/test/0",11,"{"hello":0}"'); // QoS 0: no packet id; quotes sent as \" arrive as they were
    // Two sessions with their own client ids (from each modem's IMEI).
    expect(sub.clientId).not.toBe(pub.clientId);
    expect(fleet.modems.map((m) => m.control.state().mqtt.state)).toEqual([1, 1]);
  });

  it('an endless run ends when its signal aborts, in the middle of a sleep, and leaves no listener on the signal', async () => {
    fleet = await startFleet({ ...BASE, modems: 1, tcp: { port: 0 } });
    const url = fleet.endpoints.broker!.replace('mqtt://', '');
    const d = await dteTo(fleet.endpoints.tcp![0].port);
    const ac = new AbortController();
    // What the modem sent, kept here: the run forgets its lines after every publish.
    let seen = '';
    d.stream.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
    // One publish, then a sleep of an hour until the next.
    const run = runScriptedDte(d, 0, { url, intervalMs: 3_600_000, stagger: false }, ac.signal);
    try {
      await until(() => /\r\n\+SMPUB: \d+,0\r\n/.test(seen), 10_000, 'the first publish acknowledged');
      // The device's one abort listener, whatever it has slept through.
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    } finally {
      ac.abort();
    }
    expect(await run).toMatchObject({ phase: 'done', published: 1, failed: 0, errors: [] });
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });

  it('adds one abort listener to a run\'s signal, however many devices share it and however often they sleep (a signal walks its listeners on every add: 10 000 devices)', async () => {
    fleet = await startFleet({ ...BASE, modems: 2, tcp: { port: 0 } });
    const url = fleet.endpoints.broker!.replace('mqtt://', '');
    const dtes = await Promise.all(fleet.endpoints.tcp!.map((e) => dteTo(e.port)));
    const ac = new AbortController();
    const add = jest.spyOn(ac.signal, 'addEventListener');
    // Three publishes each: a sleep after each, and the staggered start's.
    const reports = await Promise.all(dtes.map((d, i) => runScriptedDte(d, i, { url, intervalMs: 5, count: 3 }, ac.signal)));
    for (const r of reports) expect(r).toMatchObject({ phase: 'done', published: 3, failed: 0 });
    expect(add).toHaveBeenCalledTimes(1);
    // The one listener stays for the signal's next run; the abort takes it.
    ac.abort();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    // A run on a signal already aborted adds none and ends at once.
    const late = await runScriptedDte(dtes[0], 0, { url, intervalMs: 5, count: 3 }, ac.signal);
    expect(late).toMatchObject({ phase: 'sync', connected: false });
    expect(add).toHaveBeenCalledTimes(1);
  });

  it('reads the right IMEI and keeps every answer to its command when the first AT is answered only after it timed out (a busy module answers late, in order)', async () => {
    fleet = await startFleet({ ...BASE, modems: 1, tcp: { port: 0 } });
    const url = fleet.endpoints.broker!.replace('mqtt://', '');
    // Between the DTE and the modem: the modem's answer to the first AT is held until the
    // DTE, its 1 s wait over, sends the second; then both answers go, in order.
    const proxy = net.createServer((dteSide) => {
      const modemSide = net.connect(fleet!.endpoints.tcp![0].port, '127.0.0.1');
      let held: Buffer[] | null = [];
      let ats = 0;
      dteSide.on('data', (d: Buffer) => {
        ats += (d.toString('latin1').match(/^AT\r/gm) ?? []).length;
        modemSide.write(d);
        if (held && ats >= 2) {
          dteSide.write(Buffer.concat(held));
          held = null;
        }
      });
      modemSide.on('data', (d: Buffer) => (held ? held.push(d) : dteSide.write(d)));
      const close = () => (dteSide.destroy(), modemSide.destroy());
      dteSide.on('close', close).on('error', close);
      modemSide.on('close', close).on('error', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const d = await DteClient.connectTcp((proxy.address() as net.AddressInfo).port);
    try {
      const r = await runScriptedDte(d, 0, { url, intervalMs: 5, count: 2 });
      expect(r).toMatchObject({ imei: identityFor(DEFAULT_MODEM_CONFIG, 0).imei, phase: 'done', connected: true, published: 2, failed: 0, errors: [] });
    } finally {
      await d.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('keeps a short AT log per modem (a busy modem\'s 2000-entry log was most of its memory), unless told', async () => {
    fleet = await startFleet({ ...BASE, modems: 2, tcp: { port: 0 } });
    expect(fleet.modems.map((m) => m.control.atLog.capacity)).toEqual([FLEET_AT_LOG_SIZE, FLEET_AT_LOG_SIZE]);
    await fleet.stop();
    fleet = await startFleet({ ...BASE, modems: 1, tcp: { port: 0 }, atLogSize: 500 });
    expect(fleet.modems[0].control.atLog.capacity).toBe(500);
    await expect(startFleet({ ...BASE, modems: 1, tcp: { port: 0 }, atLogSize: 0 })).rejects.toThrow('atLogSize: "0" is not a whole number of entries (1 or more)');
  });

  it('stop() frees every port and the broker', async () => {
    const f = await startFleet({ ...BASE, modems: 3, tcp: { port: 0 } });
    const ports = [...f.endpoints.tcp!.map((e) => e.port), Number(/:(\d+)$/.exec(f.endpoints.broker!)![1])];
    await f.stop();
    for (const port of ports) expect(await refused(port)).toBe(true);
    await f.stop(); // twice is harmless
  });

  it('a taken port fails the whole start with the modem and the port named, and leaves nothing listening', async () => {
    // Modem 0's port must be free and modem 1's taken. Another process may hold the port
    // below any one we pick, so: take two adjacent ports, free the first just before the
    // start, and pick again in the rare case somebody took it meanwhile (modem 0 named).
    const listen = (port: number) =>
      new Promise<net.Server | null>((resolve) => {
        const srv = net.createServer();
        srv.once('error', () => resolve(null));
        srv.listen(port, '127.0.0.1', () => resolve(srv));
      });
    const close = (srv: net.Server) => new Promise<void>((r) => srv.close(() => r()));
    let error: Error | null = null;
    let first = 0;
    for (let attempt = 0; attempt < 20 && !error; attempt++) {
      const a = (await listen(0))!;
      first = (a.address() as net.AddressInfo).port;
      const blocker = first < 65535 ? await listen(first + 1) : null;
      await close(a);
      if (!blocker) continue;
      try {
        await startFleet({ ...BASE, modems: 3, tcp: { port: first } }).then(
          (f) => f.stop().then(() => Promise.reject(new Error('the fleet started on a taken port'))),
          (err: Error) => {
            if (!/^modem 0: .*EADDRINUSE/.test(err.message)) error = err;
          },
        );
      } finally {
        await close(blocker);
      }
    }
    expect(error).not.toBeNull();
    expect(error!.message).toMatch(new RegExp(`^modem 1: .*127\\.0\\.0\\.1:${first + 1}.*EADDRINUSE`));
    expect(await refused(first)).toBe(true);
  });

  it('driveFleet runs the scripted DTE on every modem and reports each', async () => {
    fleet = await startFleet({ ...BASE, modems: 3, tcp: { port: 0 } });
    const url = fleet.endpoints.broker!.replace('mqtt://', '');
    const report = await driveFleet(fleet, { url, count: 2, intervalMs: 20, qos: 1 });
    expect(report).toMatchObject({ connected: 3, published: 6, failed: 0 });
    expect(report.devices.map((d) => [d.index, d.phase, d.errors])).toEqual([
      [0, 'done', []],
      [1, 'done', []],
      [2, 'done', []],
    ]);
    expect(report.latency!.p50).toBeGreaterThan(0);
  });

  it('reports a device that cannot connect, with the step that failed', async () => {
    fleet = await startFleet({ ...BASE, modems: 1, tcp: { port: 0 }, broker: 'direct' });
    const report = await driveFleet(fleet, { url: '127.0.0.1:1', count: 1 });
    expect(report.connected).toBe(0);
    expect(report.devices[0].phase).toBe('connect');
    expect(report.devices[0].errors).toEqual(['AT+SMCONN → +CME ERROR: 161']);
  });
});

describe('a fleet on ptys', () => {
  const tmp = useTempDir('sim800-fleet-');
  const havePty = fs.existsSync(ADDON);

  (havePty ? it : it.skip)('makes one link per modem from the %d pattern and removes them on stop', async () => {
    const pattern = path.join(tmp(), 'tty-%d');
    fleet = await startFleet({ ...BASE, modems: 3, pty: pattern });
    const links = [0, 1, 2].map((i) => path.join(tmp(), `tty-${i}`));
    expect(fleet.endpoints.pty!.map((p) => p.link)).toEqual(links);
    expect(fleet.readyLine).toMatch(new RegExp(`^sim800-emu ready pty=${pattern.replace(/[.]/g, '\\.')} broker=\\S+ modems=3$`));
    for (const l of links) expect(fs.realpathSync(l)).toMatch(/^\/dev\/pts\/\d+$/);
    await fleet.stop();
    fleet = undefined;
    for (const l of links) expect(fs.existsSync(l)).toBe(false);
  });
});

describe('fleet options and the ready line', () => {
  it.each([
    [{ modems: 0 }, /not a whole number of modems/],
    [{ modems: 2.5 }, /not a whole number of modems/],
    [{ modems: 3, tcp: { port: 65534 } }, /go past 65535/],
    [{ modems: 2, pty: '/tmp/tty' }, /needs %d/],
    [{ modems: 2, pty: '/tmp/tty-%d', tcp: { port: 0 } }, /tcp or pty wires, not both/],
  ])('refuses %j', (opts, message) => {
    expect(() => checkFleetOptions(opts as FleetOptions)).toThrow(message);
  });

  it('lists consecutive ports as a range and the rest one by one; parseTcpList reads both back', () => {
    const list = [2323, 2324, 2325, 4000, 4002].map((port) => ({ host: '127.0.0.1', port }));
    expect(formatTcpList(list)).toBe('127.0.0.1:2323-2325,127.0.0.1:4000,127.0.0.1:4002');
    expect(parseTcpList(formatTcpList(list))).toEqual(list);
    const v6 = [{ host: '::1', port: 5000 }, { host: '::1', port: 5001 }];
    expect(formatTcpList(v6)).toBe('[::1]:5000-5001');
    expect(parseTcpList('[::1]:5000-5001')).toEqual(v6);
  });

  it('derives each modem\'s identity from the configured one', () => {
    expect(luhnDigit('49015420323751')).toBe('8'); // the IMEI check digit of Wikipedia's example 490154203237518
    expect(addToDigits('0999', 2)).toBe('1001');
    const base = { imei: '490154203237518', imsi: '310260000000001', iccid: '8901260000000000001F' };
    expect(identityFor(base, 0)).toEqual(base);
    expect(identityFor(base, 2)).toEqual({ imei: '490154203237534', imsi: '310260000000003', iccid: '8901260000000000003F' });
  });
});

describe('sim800-emu --modems', () => {
  it('prints one ready line listing every modem; each answers on its port', async () => {
    const cli = await startCli(['--modems', '3', '--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--log-level', 'warn']);
    expect(cli.stdout().trim().split('\n')).toEqual([cli.readyLine]);
    expect(cli.fields.modems).toBe('3');
    const ports = parseTcpList(cli.fields.tcp).map((e) => e.port);
    expect(ports).toHaveLength(3);
    for (const port of ports) expect((await dteTo(port).then((d) => d.send('AT'))).final).toBe('OK');
    expect(await cli.stop()).toEqual({ code: 0, signal: null });
    for (const port of ports) expect(await refused(port)).toBe(true);
  });

  it('takes modems from a config file too', () => {
    expect(parseConfigText('{"modems": 3, "tcp": "127.0.0.1:0"}', 'f.json')).toEqual({ modems: 3, tcp: { host: '127.0.0.1', port: 0 } });
    expect(() => parseConfigText('{"modems": 0}', 'f.json')).toThrow('f.json: "modems": "0" is not a number of modems (1..10000)');
    expect(() => parseConfigText('{"modems": "3"}', 'f.json')).toThrow('f.json: "modems" must be a number');
  });

  it.each([
    [['--modems', '0'], /^sim800-emu: --modems: "0" is not a number of modems \(1\.\.10000\)\n$/],
    [['--modems', '2', '--stdio'], /^sim800-emu: --modems cannot be used with --stdio: /],
    [['--modems', '2', '--pty', '/tmp/sim800-no-index'], /^sim800-emu: --modems: pty: .* needs %d/],
  ])('%j is a usage error: one line, exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
