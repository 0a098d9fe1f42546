/**
 * The hub through the built CLI (npm test builds dist first): --azure-hub, --map and
 * --export-ca, Example 2 over TCP with the log at trace level, and no secret in that log
 * (the device key, the SAS token, its signature). Over the CLI nothing can send a
 * cloud-to-device message yet (that is the control API's job), so the run leaves the
 * fixture's @c2d step and the +SMPUBLISH line it causes out.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DteClient } from '../../src/client/dteClient';
import { createSasToken } from '../../src/sas';
import { killAllClis, runCli, startCli } from '../helpers/cli';
import { forwarder } from '../helpers/net';
import { parseTranscript, runTranscript } from '../helpers/transcript';
import { DEVICE, HOST, KEY, OTHER_KEY } from './helpers';

const FIXTURE = path.resolve(__dirname, '..', '..', 'fixtures', 'transcripts', 'azure', 'example2.txt');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'azure-cli-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
/** Cleanups of the running test, after its CLIs are gone. */
const afterCleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killAllClis();
  for (const f of afterCleanup.splice(0)) await f();
});

it('Example 2 over TCP to the CLI (--azure-hub, --map, --export-ca); the trace log holds no key and no token', async () => {
  const caFile = path.join(tmp, 'ca.pem');
  // The --map rule names a forwarder (bound to port 0 here) that leads to the TLS
  // listener the CLI binds to its own port 0.
  const fwd = await forwarder();
  afterCleanup.push(() => fwd.close());
  const cli = await startCli([
    '--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', '0', '--export-ca', caFile,
    '--azure-hub', `${DEVICE}:${KEY},other:${OTHER_KEY}`, '--map', `${HOST}:8883=127.0.0.1:${fwd.port}`, '--log-level', 'trace',
  ]);
  fwd.to(Number(new URL(cli.fields['broker-tls']).port));
  const client = await DteClient.connectTcp(cli.port);
  try {
    const ca = fs.readFileSync(caFile, 'latin1');
    const text = fs.readFileSync(FIXTURE, 'latin1').replace(/^@c2d .*\n< \\r\\n\+SMPUBLISH: .*\n/m, '');
    expect(text).not.toMatch(/^@c2d|SMPUBLISH/m);
    await runTranscript(parseTranscript(text, 'example2.txt', { CA_LEN: String(ca.length), CA: ca.replace(/\n/g, '\\n') }), client);
    // The session's token was signed now: any second of the last minute, a day on.
    await client.close();
    await cli.stop();
    const log = cli.stderr();
    expect(log).toMatch(/device connected/);
    expect(log).toContain('SAZURECONF');
    expect(log).not.toContain(KEY);
    expect(log).not.toContain('SharedAccessSignature');
    const now = Math.floor(Date.now() / 1000) + 86_400;
    for (let se = now - 60; se <= now; se++) {
      const sig = /sig=([^&]+)/.exec(createSasToken({ host: HOST, deviceId: DEVICE, key: KEY, expiry: se }))![1];
      expect(log).not.toContain(sig);
      expect(log).not.toContain(decodeURIComponent(sig));
    }
  } finally {
    await client.close();
  }
});

it.each([
  [['--azure-hub', 'nokey'], 'sim800-emu: --azure-hub: azure hub: "nokey" is not id:key'],
  [['--azure-hub', `a:notbase64`], 'sim800-emu: --azure-hub: azure hub: the key of device "a" is not base64'],
  [['--azure-hub-host', 'x.azure-devices.net'], 'sim800-emu: --azure-hub-host needs --azure-hub'],
  [['--azure-hub', `a:${KEY}`, '--broker', 'direct'], 'sim800-emu: the Azure IoT Hub stand-in runs in the embedded broker: --azure-hub needs --broker embedded'],
])('usage error %j: one line, exit 2', async (args, line) => {
  const r = await runCli([...args, '--tcp', '127.0.0.1:0', '--broker-port', '0']);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: `${line}\n` });
});
