/**
 * SAS tokens (docs/azure.md): the published vectors, and Microsoft's own
 * azure-iot-common for many random inputs. Verification (the hub side) is checked on
 * tokens that azure-iot-common made, and on each way a token can be wrong.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { encodeUriComponentStrict, SharedAccessSignature } from 'azure-iot-common';
import { checkSasToken, createSasToken, encodeStrict, isBase64, parseSasToken, sign } from '../../src/sas';

/** The device token azure-iot-common makes (its device package encodes the resource the same way). */
const microsoftToken = (host: string, deviceId: string, key: string, expiry: number) =>
  SharedAccessSignature.create(encodeUriComponentStrict(`${host}/devices/${deviceId}`), '', key, expiry).toString();

describe('published vectors (§10.2)', () => {
  it("azure-iot-sdk-node device test: create('host','device','key',12345)", () => {
    expect(createSasToken({ host: 'host', deviceId: 'device', key: 'key', expiry: 12345 })).toBe(
      'SharedAccessSignature sr=host%2Fdevices%2Fdevice&sig=wM3XiP6gD960IxP7J5WHqnxQHEcWC6YaQCtoMT%2BkKHc%3D&se=12345',
    );
  });

  it('azure-iot-sdk-node common test: uri\\n12345 with base64("password")', () => {
    expect(encodeStrict(sign('cGFzc3dvcmQ=', 'uri\n12345'))).toBe('kcWxXAK2OAaAoq2oCkaGzX2NMqDB8nCyNuq2fPYCDhk%3D');
  });

  it("azure-iot-sdk-node authorization test: hmacHash('cGFzc3dvcmQ=', 'string-to-sign')", () => {
    expect(sign('cGFzc3dvcmQ=', 'string-to-sign')).toBe('o1n1hiIVgzVA2+krq9ty1Z4xsIJKJZP3dYT8MOi65Y4=');
  });

  it('azure-iot-sdk-python signing test', () => {
    expect(sign('NMgJDvdKTxjLi+xBxxkDDEwDJxEvOE5u8BiT0mVgPeg=', 'sign this message')).toBe('8NJRMT83CcplGrAGaUVIUM/md5914KpWVNngSVoF9/M=');
  });

  it('the application note device at se 1567699501 (regression value, §10.2)', () => {
    expect(createSasToken({ host: '9AMIoTHub-HW.azure-devices.cn', deviceId: 'simcomdevice', key: 'n1A0qKmG6ltXWtNX1HL4zPAih/ug50D7P4rCv6pc/3c=', expiry: 1567699501 })).toBe(
      'SharedAccessSignature sr=9AMIoTHub-HW.azure-devices.cn%2Fdevices%2Fsimcomdevice&sig=%2Bj11ivSYncFLG1nZRcRCqBKFdVcRY4CjeUhQ7vZ1Y1c%3D&se=1567699501',
    );
  });

  it('strict encoding matches the SDK, including !\'()* (lower-case %2a, as the SDK writes it)', () => {
    const s = "a/b:c d!'()*~-_.%$&=+";
    expect(encodeStrict(s)).toBe(encodeUriComponentStrict(s));
    expect(encodeStrict(s)).toBe('a%2Fb%3Ac%20d%21%27%28%29%2a~-_.%25%24%26%3D%2B');
  });
});

describe('against azure-iot-common, random inputs', () => {
  const ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.%_*?!(),:=@$'";
  const pick = (n: number) => Array.from({ length: n }, () => ID_CHARS[randomInt(ID_CHARS.length)]).join('');

  it('500 devices: same token byte for byte', () => {
    for (let i = 0; i < 500; i++) {
      const host = `h${randomBytes(4).toString('hex')}.azure-devices.${i % 2 ? 'net' : 'cn'}`;
      const deviceId = pick(1 + randomInt(128));
      const key = randomBytes([16, 32, 64][i % 3]).toString('base64');
      const expiry = 1 + randomInt(4_000_000_000);
      expect(createSasToken({ host, deviceId, key, expiry })).toBe(microsoftToken(host, deviceId, key, expiry));
    }
  });
});

describe('verification (the hub side)', () => {
  const host = 'myhub.azure-devices.net';
  const deviceId = 'dev-1';
  const key = randomBytes(32).toString('base64');
  const se = 2_000_000_000;
  const token = microsoftToken(host, deviceId, key, se);

  it("accepts azure-iot-common's token before its expiry", () => {
    const r = checkSasToken(token, { host, deviceId, key }, se - 1);
    expect(r).toMatchObject({ ok: true, host, sas: { se } });
  });

  it('takes the host from the token when none is configured, case-insensitively when one is', () => {
    expect(checkSasToken(token, { deviceId, key }, 0)).toMatchObject({ ok: true, host });
    expect(checkSasToken(token, { host: 'MyHub.Azure-Devices.NET', deviceId, key }, 0).ok).toBe(true);
  });

  it.each([
    ['expired at se', token, se, { host, deviceId, key }, 'expired'],
    ['signed with another key', token, 0, { host, deviceId, key: randomBytes(32).toString('base64') }, 'signature'],
    ['for another device', token, 0, { host, deviceId: 'dev-2', key }, 'resource'],
    ['for another hub', token, 0, { host: 'other.azure-devices.net', deviceId, key }, 'resource'],
    ['a policy token (skn)', SharedAccessSignature.create(encodeUriComponentStrict(`${host}/devices/${deviceId}`), 'iothubowner', key, se).toString(), 0, { host, deviceId, key }, 'policy'],
    ['not a token', 'hunter2', 0, { host, deviceId, key }, 'malformed'],
    ['no se', token.replace(/&se=\d+/, ''), 0, { host, deviceId, key }, 'malformed'],
    ['a tampered se', token.replace(`se=${se}`, `se=${se + 1}`), 0, { host, deviceId, key }, 'signature'],
    ['bad percent-encoding', token.replace('sig=', 'sig=%zz'), 0, { host, deviceId, key }, 'malformed'],
  ])('refuses a token %s', (_why, t, now, expect_, problem) => {
    expect(checkSasToken(t, expect_, now)).toEqual({ ok: false, problem });
  });

  it('parses the fields in any order', () => {
    expect(parseSasToken('SharedAccessSignature se=5&sig=abc&sr=x%2Fdevices%2Fy')).toEqual({ sr: 'x%2Fdevices%2Fy', sig: 'abc', se: 5, skn: undefined });
    expect(parseSasToken('SharedAccessSignature sr=a&sr=b&sig=c&se=1')).toBeNull();
  });

  it('base64 keys: canonical, padded', () => {
    expect(isBase64('n1A0qKmG6ltXWtNX1HL4zPAih/ug50D7P4rCv6pc/3c=')).toBe(true);
    for (const bad of ['', 'abc', 'ab=c', 'a*bc', 'abcd=', 'abc===']) expect(isBase64(bad)).toBe(false);
  });
});
