/**
 * The MQTT application note's Example 2 (its Azure walk-through) as a transcript
 * (fixtures/transcripts/azure/example2.txt), byte for byte with echo on: TLS to the
 * embedded broker's listener with the root firmware wrote to flash, the hub stand-in
 * checking the SAS token, the capture's C2D line, and D2C reaching the service side.
 * Runs over an in-process DTE and over TCP, once with the default embedded routing and
 * once with the note's host name mapped (--map) to the TLS listener.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { D2CMessage } from '../../src/broker/azureHub';
import { DteClient } from '../../src/client/dteClient';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator';
import { forwarder } from '../helpers/net';
import { parseTranscript, runTranscript } from '../helpers/transcript';
import { DEVICE, HOST, HUB, hubDevice, refusals, SAZURECONF } from './helpers';

const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'transcripts', 'azure', 'example2.txt');

/** `@c2d <deviceId> <payload> mid=<id> [packet=<n>]`: the hub sends a cloud-to-device message. */
const c2d = (emu: EmulatorHandle) => async (args: string) => {
  const [deviceId, payload, ...opts] = args.split(' ');
  const o = Object.fromEntries(opts.map((kv) => kv.split('=')));
  const r = await emu.azureHub!.sendC2D(deviceId, payload, { messageId: o.mid, packetId: o.packet === undefined ? undefined : Number(o.packet) });
  expect(r.delivered).toBe(true);
};

async function runExample2(opts: EmulatorOptions, wire: 'in-process' | 'tcp', started?: (emu: EmulatorHandle) => void): Promise<void> {
  const emu = await startEmulator({ brokerPort: 0, azureHub: HUB, tcp: wire === 'tcp' ? { port: 0 } : false, ...opts });
  started?.(emu);
  const d2c: D2CMessage[] = [];
  const logins: [string, { tls: boolean }][] = [];
  emu.azureHub!.on('message', (m) => d2c.push(m));
  emu.azureHub!.on('connected', (id, how) => logins.push([id, how]));
  const client = wire === 'tcp' ? await DteClient.connectTcp(emu.endpoints.tcp!.port) : emu.connect();
  try {
    const ca = emu.brokerCaPem!;
    const t = parseTranscript(fs.readFileSync(FIXTURE, 'latin1'), 'example2.txt', { CA_LEN: String(Buffer.byteLength(ca, 'latin1')), CA: ca.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') });
    await runTranscript(t, client, { actions: { c2d: c2d(emu) } });
    expect(logins).toEqual([[DEVICE, { tls: true }]]);
    expect(d2c.map((m) => [m.deviceId, m.topic, m.payload.toString()])).toEqual([[DEVICE, `devices/${DEVICE}/messages/events/`, 'hello world']]);
  } finally {
    await client.close();
    await emu.stop();
  }
}

describe('Example 2 with the hub stand-in', () => {
  it.each(['in-process', 'tcp'] as const)('default embedded routing, %s DTE', async (wire) => {
    await runExample2({}, wire);
  });

  it('the note\'s host name mapped to the TLS listener (--map)', async () => {
    // The rule must name a port before the TLS listener has bound its port 0: it names a
    // forwarder's, which leads to the listener once it is up.
    const fwd = await forwarder();
    try {
      await runExample2({ brokerTlsPort: 0, map: [`${HOST}:8883=127.0.0.1:${fwd.port}`] }, 'in-process', (emu) => fwd.to(Number(new URL(emu.endpoints.brokerTls!).port)));
    } finally {
      await fwd.close();
    }
  });
});

it('TLS only: with its TLS listener up, the hub drops a plain CONNECT (SMSSL=0) without a CONNACK → 161', async () => {
  const d = await hubDevice({ brokerTlsPort: 0 });
  try {
    const refused = refusals(d);
    await d.dte.ok(SAZURECONF);
    expect((await d.dte.send('AT+SMCONN')).final).toBe('+CME ERROR: 161');
    expect(refused).toEqual([{ clientId: DEVICE, returnCode: null, reason: 'plain MQTT: the hub takes TLS only' }]);
    expect((await d.dte.send('AT')).final).toBe('OK');
  } finally {
    await d.stop();
  }
});
