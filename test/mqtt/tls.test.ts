/**
 * TLS for the SM* session (AT+SMSSL=1) against real TLS listeners: the embedded broker's
 * (certificates from the emulator's CA, issued for the name firmware dialled) and a
 * mosquitto's. Firmware's root (FSWRITE + SSLSETROOT) is the only trust; a wrong or
 * missing root, or a certificate for another name, fails with CME 767; AT+SSLOPT=0,1
 * connects anyway.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { CertificateAuthority } from '../../src/broker/ca';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { bearerUp, Observer, sleep, startDevice, type Device } from '../helpers/mqtt';
import { loadRoot, otherCa, ROOT_FILE } from '../helpers/tls';
import { useTempDir } from '../helpers/tmp';

const AZURE_URL = '9AMIoTHub-HW.azure-devices.cn:8883';

let dev: Device | undefined;
afterEach(async () => {
  await dev?.stop();
  dev = undefined;
});

/** Bearer, TLS on, the URL, and the answer to AT+SMCONN. */
async function smconn(d: Device, url: string): Promise<string> {
  await d.dte.ok('AT+CMEE=1');
  await bearerUp(d.dte);
  await d.dte.ok('AT+SMSSL=1');
  await d.dte.ok(`AT+SMCONF="URL","${url}"`);
  await d.dte.ok('AT+SMCONF="CLEANSS",1');
  return (await d.dte.send('AT+SMCONN')).final;
}

/** A subscribe/publish round trip over the device's session, seen by a broker-side client. */
async function roundTrip(d: Device, observerUrl: string): Promise<void> {
  const obs = await Observer.connect(observerUrl);
  try {
    await obs.subscribe('tls/up');
    await d.dte.ok('AT+SMSUB="tls/down",1');
    await d.dte.waitFor('+SMSUB: 1,0');
    await d.dte.ok('AT+SMPUB="tls/up",1,0,"over tls"');
    expect((await obs.waitFor((m) => m.topic === 'tls/up')).payload.toString()).toBe('over tls');
    await obs.client.publishAsync('tls/down', 'back', { qos: 1 });
    expect(await d.dte.waitFor('+SMPUBLISH:')).toBe('+SMPUBLISH: 1,"tls/down",4,"back"');
  } finally {
    await obs.close();
  }
}

describe('the embedded broker\'s TLS listener', () => {
  it('Example 2\'s steps: the exported CA as root, a production host name, SMCONN, a round trip', async () => {
    dev = await startDevice();
    expect(dev.emu.endpoints.brokerTls).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const pem = dev.emu.brokerCaPem!;
    expect(new X509Certificate(pem).ca).toBe(true);
    await loadRoot(dev.dte, pem);
    await dev.dte.ok('AT+SSLOPT=0,0');
    await dev.dte.ok('AT+SSLOPT=1,1');
    expect(await smconn(dev, AZURE_URL)).toBe('OK');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 1']);
    await roundTrip(dev, dev.emu.endpoints.broker!);
  });

  it('the listener really is TLS: a verifying client sees a certificate for the name it asked for, chained to the CA', async () => {
    dev = await startDevice();
    const tls = await import('node:tls');
    const port = Number(/:(\d+)$/.exec(dev.emu.endpoints.brokerTls!)![1]);
    const cert = await new Promise<X509Certificate>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'device.example.net', ca: dev!.emu.brokerCaPem }, () => {
        resolve(new X509Certificate(s.getPeerX509Certificate()!.raw));
        s.destroy();
      });
      s.once('error', reject);
    });
    expect(cert.subjectAltName).toBe('DNS:device.example.net');
    expect(cert.checkIssued(new X509Certificate(dev.emu.brokerCaPem!))).toBe(true);
  });

  it('a wrong root fails with 767, and nothing is connected', async () => {
    dev = await startDevice();
    await loadRoot(dev.dte, otherCa().certPem);
    expect(await smconn(dev, AZURE_URL)).toBe('+CME ERROR: 767');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
    expect(await dev.dte.send('AT')).toMatchObject({ final: 'OK' });
  });

  it('no root with verification on fails (no system CA store to fall back to); so does a root file deleted after SSLSETROOT', async () => {
    dev = await startDevice();
    expect(await smconn(dev, AZURE_URL)).toBe('+CME ERROR: 767');
    await loadRoot(dev.dte, dev.emu.brokerCaPem!);
    await dev.dte.ok(`AT+FSDEL=${ROOT_FILE}`);
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('+CME ERROR: 767');
  });

  it('a root file that holds no certificate fails', async () => {
    dev = await startDevice();
    await loadRoot(dev.dte, 'not a certificate\r\n');
    expect(await smconn(dev, AZURE_URL)).toBe('+CME ERROR: 767');
  });

  it('AT+SSLOPT=0,1 skips verification: a wrong root (or none) connects', async () => {
    dev = await startDevice();
    await loadRoot(dev.dte, otherCa().certPem);
    await dev.dte.ok('AT+SSLOPT=0,1');
    expect(await smconn(dev, AZURE_URL)).toBe('OK');
    await roundTrip(dev, dev.emu.endpoints.broker!);
  });

  it('the name is checked: an address URL gets the default certificate (localhost, 127.0.0.1, ::1), so 10.1.2.3 fails and 127.0.0.1 passes', async () => {
    dev = await startDevice();
    await loadRoot(dev.dte, dev.emu.brokerCaPem!);
    expect(await smconn(dev, '10.1.2.3:8883')).toBe('+CME ERROR: 767');
    await dev.dte.ok('AT+SMCONF="URL","127.0.0.1:8883"');
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('OK');
  });

  it('a DER root works as well as PEM', async () => {
    dev = await startDevice();
    await loadRoot(dev.dte, new X509Certificate(dev.emu.brokerCaPem!).raw);
    expect(await smconn(dev, 'broker.example.com:8883')).toBe('OK');
  });

  it('SMSSL=0 goes to the plain listener whatever the port; TLS settings do not matter there', async () => {
    dev = await startDevice();
    await loadRoot(dev.dte, otherCa().certPem);
    await bearerUp(dev.dte);
    await dev.dte.ok(`AT+SMCONF="URL","${AZURE_URL}"`);
    await dev.dte.ok('AT+SMCONF="CLEANSS",1');
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('OK');
  });

  it('a restart forgets SSLSETROOT and SSLOPT (RAM) but not the file (flash)', async () => {
    dev = await startDevice();
    await loadRoot(dev.dte, dev.emu.brokerCaPem!);
    await dev.dte.ok('AT+SSLOPT=0,1');
    await dev.dte.ok('AT+CFUN=1,1');
    await sleep(20); // the instant profile restarts at once; autobaud waits for the next AT
    await dev.dte.ok('AT');
    expect(await dev.dte.ok('AT+SSLOPT?')).toEqual(['+SSLOPT: 0,0', '+SSLOPT: 1,0']);
    expect(await dev.dte.ok('AT+SSLSETROOT?')).toEqual(['+SSLSETROOT: "",0']);
    expect(await smconn(dev, AZURE_URL)).toBe('+CME ERROR: 767');
    await dev.dte.ok(`AT+SSLSETROOT="${ROOT_FILE}",${Buffer.byteLength(dev.emu.brokerCaPem!)}`);
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('OK');
  });

  describe('the CA', () => {
    const tmp = useTempDir('sim800-tls-');

    it('is kept in the state dir: after an emulator restart the root firmware stored still verifies', async () => {
      const dir = tmp();
      dev = await startDevice({ stateDir: dir, exportCa: path.join(dir, 'exported.pem') });
      const pem = dev.emu.brokerCaPem!;
      expect(fs.readFileSync(path.join(dir, 'exported.pem'), 'utf8')).toBe(pem);
      expect(fs.statSync(path.join(dir, 'broker-ca', 'ca.key')).mode & 0o777).toBe(0o600);
      await loadRoot(dev.dte, pem);
      await dev.stop();

      dev = await startDevice({ stateDir: dir });
      expect(dev.emu.brokerCaPem).toBe(pem);
      await dev.dte.ok(`AT+SSLSETROOT="${ROOT_FILE}",${Buffer.byteLength(pem)}`); // the file came back from flash
      expect(await smconn(dev, AZURE_URL)).toBe('OK');
    });

    it('can be the user\'s own (brokerCa): the listener chains to it', async () => {
      const dir = tmp();
      CertificateAuthority.loadOrCreate(dir);
      const own = { cert: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'), key: fs.readFileSync(path.join(dir, 'ca.key'), 'utf8') };
      dev = await startDevice({ brokerCa: own });
      expect(dev.emu.brokerCaPem).toBe(own.cert);
      await loadRoot(dev.dte, own.cert);
      expect(await smconn(dev, AZURE_URL)).toBe('OK');
    });
  });
});

describe('a real mosquitto with a TLS listener', () => {
  let ca: CertificateAuthority;
  let mosq: Mosquitto;
  beforeAll(async () => {
    ca = CertificateAuthority.generate('mosquitto test CA');
    const server = ca.issue(['localhost', '127.0.0.1']);
    mosq = await startMosquitto({ tls: { ...server, ca: ca.certPem } });
  });
  afterAll(async () => {
    await mosq?.stop();
  });

  it('firmware loads the CA that signed mosquitto\'s certificate and connects (direct); a round trip', async () => {
    dev = await startDevice({ broker: 'direct' });
    await loadRoot(dev.dte, ca.certPem);
    expect(await smconn(dev, `localhost:${mosq.tlsPort}`)).toBe('OK');
    await roundTrip(dev, mosq.url);
  });

  it('a wrong root fails with 767', async () => {
    dev = await startDevice({ broker: 'direct' });
    await loadRoot(dev.dte, otherCa().certPem);
    expect(await smconn(dev, `localhost:${mosq.tlsPort}`)).toBe('+CME ERROR: 767');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual(['+SMSTATE: 0']);
  });

  it('a name the certificate does not cover (--map routes it there) fails; SSLOPT=0,1 connects anyway', async () => {
    dev = await startDevice({ broker: 'direct', map: [`mqtt.production.example=127.0.0.1:${mosq.tlsPort}`] });
    await loadRoot(dev.dte, ca.certPem);
    expect(await smconn(dev, 'mqtt.production.example:8883')).toBe('+CME ERROR: 767');
    await dev.dte.ok('AT+SSLOPT=0,1');
    expect((await dev.dte.send('AT+SMCONN')).final).toBe('OK');
  });

  it('TLS to a plain listener fails with 767 even without verification: the handshake is real', async () => {
    dev = await startDevice({ broker: 'direct', map: [`plain.example=127.0.0.1:${mosq.port}`] });
    await dev.dte.ok('AT+SSLOPT=0,1');
    expect(await smconn(dev, 'plain.example:8883')).toBe('+CME ERROR: 767');
  });
});
