/**
 * The CLI's TLS flags: --broker-tls-port (ready line), --export-ca (a PEM openssl reads),
 * --broker-ca-cert/--broker-ca-key (the user's CA), their config-file keys and one-line
 * errors; and firmware over TCP loading the exported CA and connecting with TLS.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CertificateAuthority } from '../../src/broker/ca';
import { DteClient } from '../../src/client/dteClient';
import { parseConfigText, settingsFromFlags, toEmulatorOptions } from '../../src/cli/config';
import { killAllClis, runCli, startCli } from '../helpers/cli';
import { bearerUp } from '../helpers/mqtt';
import { loadRoot } from '../helpers/tls';

const QUIET = ['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'silent'];

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-cli-tls-'));
});
afterEach(async () => {
  await killAllClis();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ready line and --export-ca', () => {
  it('--broker-port 0 puts the TLS listener on a free port too; --export-ca writes a CA PEM that openssl reads', async () => {
    const file = path.join(dir, 'ca.pem');
    const cli = await startCli([...QUIET, '--export-ca', file]);
    expect(cli.readyLine).toMatch(/^sim800-emu ready tcp=127\.0\.0\.1:\d+ broker=mqtt:\/\/127\.0\.0\.1:\d+ broker-tls=mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.fields['broker-tls']).not.toBe(cli.fields.broker.replace('mqtt:', 'mqtts:'));
    const pem = fs.readFileSync(file, 'utf8');
    expect(new X509Certificate(pem).ca).toBe(true);
    const openssl = spawnSync('openssl', ['x509', '-noout', '-subject'], { input: pem, encoding: 'utf8' });
    expect(openssl.status).toBe(0);
    expect(openssl.stdout).toMatch(/^subject=.*sim800-emu test CA [0-9a-f]{8}/);
  });

  it('--broker-tls-port N and off', async () => {
    const off = await startCli([...QUIET, '--broker-tls-port', 'off']);
    expect(off.fields['broker-tls']).toBeUndefined();
    expect(off.fields.broker).toMatch(/^mqtt:/);
  });

  it('firmware over TCP loads the exported CA and connects with TLS to its production host name', async () => {
    const file = path.join(dir, 'ca.pem');
    const cli = await startCli([...QUIET, '--export-ca', file]);
    const dte = await DteClient.connectTcp(cli.port);
    try {
      await dte.ok('AT');
      await loadRoot(dte, fs.readFileSync(file));
      await bearerUp(dte);
      await dte.ok('AT+SMSSL=1');
      await dte.ok('AT+SMCONF="URL","9AMIoTHub-HW.azure-devices.cn:8883"');
      await dte.ok('AT+SMCONF="CLEANSS",1');
      expect((await dte.send('AT+SMCONN')).final).toBe('OK');
    } finally {
      await dte.close();
    }
  });

  it('--broker-ca-cert/--broker-ca-key: the listener uses that CA and --export-ca writes it', async () => {
    CertificateAuthority.loadOrCreate(dir);
    const out = path.join(dir, 'exported.pem');
    await startCli([...QUIET, '--broker-ca-cert', path.join(dir, 'ca.crt'), '--broker-ca-key', path.join(dir, 'ca.key'), '--export-ca', out]);
    expect(fs.readFileSync(out, 'utf8')).toBe(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'));
  });
});

describe('one-line errors, exit 2', () => {
  it.each([
    ['a bad TLS port', ['--broker-tls-port', 'x'], /^sim800-emu: --broker-tls-port: "x" is not a port number \(0\.\.65535, 0 = any free port\) or off\n$/],
    ['a CA certificate without its key', ['--broker-ca-cert', '/nonexistent.crt'], /^sim800-emu: --broker-ca-cert and --broker-ca-key go together\n$/],
    ['an unreadable CA file', ['--broker-ca-cert', '/nonexistent.crt', '--broker-ca-key', '/nonexistent.key'], /^sim800-emu: --broker-ca-cert: cannot read "\/nonexistent\.crt": ENOENT\n$/],
    ['--export-ca into a missing directory', ['--export-ca', '/nonexistent/dir/ca.pem'], /^sim800-emu: --export-ca: cannot write "\/nonexistent\/dir\/ca\.pem": ENOENT\n$/],
    ['--export-ca without a TLS listener', ['--broker-tls-port', 'off', '--export-ca', '/tmp/x.pem'], /^sim800-emu: --export-ca needs the embedded broker with its TLS listener\n$/],
  ])('%s', async (_why, args, message) => {
    const r = await runCli([...QUIET, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('a file that is no CA: its problem in one line', async () => {
    const leaf = CertificateAuthority.generate().issue(['localhost']);
    fs.writeFileSync(path.join(dir, 'leaf.crt'), leaf.cert);
    fs.writeFileSync(path.join(dir, 'leaf.key'), leaf.key);
    const r = await runCli([...QUIET, '--broker-ca-cert', path.join(dir, 'leaf.crt'), '--broker-ca-key', path.join(dir, 'leaf.key')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('sim800-emu: broker CA: the certificate is not a CA certificate (basicConstraints CA:TRUE)\n');
  });
});

describe('config file keys', () => {
  it('brokerTlsPort (a number or false); CA files and exportCa relative to the config file', () => {
    const s = parseConfigText('{"brokerTlsPort": false, "brokerCaCert": "ca/ca.crt", "brokerCaKey": "ca/ca.key", "exportCa": "out.pem"}', 'c.json', '/etc/sim');
    expect(s).toEqual({ brokerTlsPort: false, brokerCaCert: '/etc/sim/ca/ca.crt', brokerCaKey: '/etc/sim/ca/ca.key', exportCa: '/etc/sim/out.pem' });
    expect(parseConfigText('{"brokerTlsPort": 8884}', 'c.json').brokerTlsPort).toBe(8884);
    expect(() => parseConfigText('{"brokerTlsPort": "8884"}', 'c.json')).toThrow('c.json: "brokerTlsPort" must be a number or false');
  });

  it('flags become library options', () => {
    expect(toEmulatorOptions(settingsFromFlags({ brokerTlsPort: '0', exportCa: 'x.pem' }))).toMatchObject({ brokerTlsPort: 0, exportCa: 'x.pem', brokerCa: undefined });
    expect(settingsFromFlags({ brokerTlsPort: 'off' }).brokerTlsPort).toBe(false);
  });
});
