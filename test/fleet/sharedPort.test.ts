/**
 * A fleet behind one TCP port (--shared-port, docs/fleet.md): each new connection takes
 * the free modem with the lowest index, keeps it until it hangs up, and a connection that
 * finds every modem taken is told so and closed; one file descriptor per modem.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DteClient } from '../../src/client/dteClient';
import { fdBudget } from '../../src/fleet/fdBudget';
import { checkFleetOptions, startFleet, type FleetHandle } from '../../src/fleet';
import { identityFor } from '../../src/fleet/identity';
import { mergeModemConfig } from '../../src/modem/config';
import { FLEET_BUSY_MESSAGE } from '../../src/transport/tcpShared';
import { killAllClis, startCli } from '../helpers/cli';
import { until } from '../helpers/wait';

let fleet: FleetHandle | undefined;
const clients: DteClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await fleet?.stop();
  fleet = undefined;
  await killAllClis();
});

async function dte(): Promise<DteClient> {
  const c = await DteClient.connectTcp(fleet!.endpoints.sharedTcp!.port);
  clients.push(c);
  return c;
}

const imei = (i: number) => identityFor(mergeModemConfig({}), i).imei;

/** The IMEI the modem behind this connection reports (AT+GSN). */
async function gsn(c: DteClient): Promise<string> {
  await c.ok('AT');
  const lines = await c.ok('AT+GSN');
  return lines[0];
}

describe('a fleet on one shared TCP port', () => {
  it('each connection takes the lowest free modem; a hang-up frees it; the next gets it back with its state', async () => {
    fleet = await startFleet({ modems: 3, tcp: { host: '127.0.0.1', port: 0 }, sharedPort: true, brokerPort: 0, brokerTlsPort: false });
    expect(fleet.endpoints.tcp).toBeUndefined();
    expect(fleet.readyLine).toMatch(/^sim800-emu ready tcp-shared=127\.0\.0\.1:\d+ broker=mqtt:\/\/\S+ modems=3$/);
    const a = await dte();
    expect(await gsn(a)).toBe(imei(0));
    const b = await dte();
    expect(await gsn(b)).toBe(imei(1));
    await b.ok('ATE0'); // modem 1's state
    const c = await dte();
    expect(await gsn(c)).toBe(imei(2));
    await b.close();
    await until(() => !fleet!.modems[1].modem.dteConnected, 5000, 'modem 1 freed');
    const d = await dte();
    expect(await gsn(d)).toBe(imei(1));
    // No reset on connect: modem 1 still has echo off.
    const from = d.received.length;
    await d.ok('AT');
    expect(d.received.slice(from)).toBe('\r\nOK\r\n');
  });

  it('a connection that finds every modem taken is told so and closed', async () => {
    fleet = await startFleet({ modems: 1, tcp: { host: '127.0.0.1', port: 0 }, sharedPort: true, brokerPort: 0, brokerTlsPort: false });
    const a = await dte();
    expect(await gsn(a)).toBe(imei(0));
    const s = net.connect(fleet.endpoints.sharedTcp!.port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    await new Promise((resolve) => s.once('close', resolve));
    expect(got).toBe(FLEET_BUSY_MESSAGE);
    // The modem's own DTE is untouched.
    await a.ok('AT');
  });

  it('with resetOnConnect the next DTE finds the freed modem power-cycled (echo on again)', async () => {
    fleet = await startFleet({ modems: 1, tcp: { host: '127.0.0.1', port: 0 }, sharedPort: true, resetOnConnect: true, brokerPort: 0, brokerTlsPort: false });
    const a = await dte();
    await a.ok('AT');
    await a.ok('ATE0');
    await a.close();
    await until(() => !fleet!.modems[0].modem.dteConnected, 5000, 'modem 0 freed');
    const b = await dte();
    // A fresh module: autobaud syncs on this AT, and echo is on again.
    await b.ok('AT');
    expect(b.received.startsWith('AT\r\r\nOK\r\n')).toBe(true);
  });

  it('a shared port already taken stops the start naming it (ListenError), nothing left running', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      await expect(startFleet({ modems: 2, tcp: { host: '127.0.0.1', port }, sharedPort: true, brokerPort: 0, brokerTlsPort: false })).rejects.toThrow(
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`),
      );
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('a modem an in-process DTE holds is skipped', async () => {
    fleet = await startFleet({ modems: 2, tcp: { host: '127.0.0.1', port: 0 }, sharedPort: true, brokerPort: 0, brokerTlsPort: false });
    const local = fleet.modems[0].connect();
    clients.push(local);
    const a = await dte();
    expect(await gsn(a)).toBe(imei(1));
  });

  it('needs one file descriptor per modem (two with a port each); not with ptys', () => {
    expect(fdBudget({ modems: 10_000, sharedPort: true }, 0).perModem).toBe(1);
    expect(fdBudget({ modems: 10_000 }, 0).perModem).toBe(2);
    expect(fdBudget({ modems: 10_000, sharedPort: true, broker: 'mqtt://10.0.0.5:1883' }, 0).perModem).toBe(2);
    expect(() => checkFleetOptions({ modems: 2, pty: '/tmp/x%d', sharedPort: true })).toThrow(/shared port is TCP/);
  });

  it('the CLI: --modems N --shared-port prints tcp-shared= and serves every modem there', async () => {
    const cli = await startCli(['--modems', '2', '--tcp', '127.0.0.1:0', '--shared-port', '--broker-port', '0', '--broker-tls-port', 'off']);
    const m = /^sim800-emu ready tcp-shared=127\.0\.0\.1:(\d+) broker=\S+ modems=2$/.exec(cli.readyLine);
    expect(m).not.toBeNull();
    const a = await DteClient.connectTcp(Number(m![1]));
    clients.push(a);
    expect(await gsn(a)).toBe(imei(0));
  });
});

describe("the shared port's queue of connections not yet accepted", () => {
  it('holds every DTE of the fleet dialling at once while the process is busy: none has its SYN dropped', async () => {
    // The kernel caps a listener's queue at net.core.somaxconn; Node's own default is 511.
    const somaxconn = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    const k = Math.min(1200, somaxconn);
    expect(k).toBeGreaterThan(600); // else this machine cannot show the difference from 511
    // The listener lives in a process of its own that opens it for a fleet of k modems and
    // then accepts nothing until told to (or for 20 s): a fleet busy with its first DTEs.
    const flag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'backlog-')), 'go');
    const script = `
      const { SharedTcpListener } = require('./dist/transport/tcpShared.js');
      const { silentLogger } = require('./dist/log.js');
      const fs = require('fs');
      new SharedTcpListener(new Array(${k}).fill({}), { host: '127.0.0.1', port: 0 }, silentLogger).open().then(({ port }) => {
        console.log(port);
        const until = Date.now() + 20000;
        const nap = new Int32Array(new SharedArrayBuffer(4));
        while (!fs.existsSync(${JSON.stringify(flag)}) && Date.now() < until) Atomics.wait(nap, 0, 0, 20);
        process.exit(0);
      });`;
    const child = spawn(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const sockets: net.Socket[] = [];
    try {
      const port = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      let connected = 0;
      for (let i = 0; i < k; i++) {
        const s = net.connect(port, '127.0.0.1', () => connected++);
        s.on('error', () => undefined);
        sockets.push(s);
      }
      // A connection whose SYN the full queue dropped is sent again a second later, then
      // three: it cannot complete before the listener's process accepts again.
      await until(() => connected === k, 15_000, `all ${k} connections to complete while nothing is accepted (${connected} did)`);
    } finally {
      fs.writeFileSync(flag, '');
      for (const s of sockets) s.destroy();
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  });
});
