/**
 * AT+SAZURECONF: its forms and validation (exact bytes), what it does to the next
 * SMCONN (client id, user name, a SAS token from the module clock, checked against
 * azure-iot-common), and every way the hub stand-in refuses the device, each answered
 * 767 at SMCONN with the modem still answering AT afterwards.
 */
import { readyDte, type Dte } from '../helpers/dte';
import type { Device } from '../helpers/mqtt';
import { DEVICE, HOST, hubDevice, HUB, KEY, microsoftToken, OTHER_KEY, refusals, SAZURECONF } from './helpers';

describe('forms and validation (exact bytes, echo off)', () => {
  let dte: Dte;
  beforeAll(async () => {
    dte = await readyDte();
  });
  afterAll(async () => dte.close());

  it('test form', async () => {
    expect(await dte.exchange('AT+SAZURECONF=?')).toBe('\r\n+SAZURECONF: "url","deviceId","deviceKey",<expiry_time>\r\n\r\nOK\r\n');
  });

  it('read and execute forms: ERROR, as for any form a command lacks', async () => {
    expect(await dte.exchange('AT+SAZURECONF?')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+SAZURECONF')).toBe('\r\nERROR\r\n');
  });

  it.each([
    ['the note\'s values', SAZURECONF.slice(2)],
    ['expiry 0 and the year (31536000)', `+SAZURECONF="${HOST}:8883","${DEVICE}","${KEY}",0`],
    ['unquoted values and a quoted number', `+SAZURECONF=${HOST}:8883,${DEVICE},${KEY},"31536000"`],
    ['a device id with every allowed punctuation', `+SAZURECONF="h.azure-devices.net:8883","a-.%_*?!(),:=@$'z","${KEY}",1`],
  ])('accepts %s', async (_what, cmd) => {
    expect(await dte.exchange(`AT${cmd}`)).toBe('\r\nOK\r\n');
  });

  it.each([
    ['port not 8883', `"${HOST}:1883","d","${KEY}",60`, 765],
    ['no port', `"${HOST}","d","${KEY}",60`, 765],
    ['an IP address, not a domain name', `"10.0.0.1:8883","d","${KEY}",60`, 765],
    ['a malformed host', `"bad_host!:8883","d","${KEY}",60`, 765],
    ['an empty device id', `"${HOST}:8883","","${KEY}",60`, 765],
    ['a device id with a space', `"${HOST}:8883","my device","${KEY}",60`, 765],
    ['a device id of 129 characters', `"${HOST}:8883","${'d'.repeat(129)}","${KEY}",60`, 24],
    ['a key that is not base64', `"${HOST}:8883","d","not a key",60`, 765],
    ['a key with bad padding', `"${HOST}:8883","d","${KEY.slice(0, -1)}",60`, 765],
    ['expiry -1', `"${HOST}:8883","d","${KEY}",-1`, 765],
    ['expiry over a year', `"${HOST}:8883","d","${KEY}",31536001`, 765],
    ['expiry not a number', `"${HOST}:8883","d","${KEY}",soon`, 765],
    ['three parameters', `"${HOST}:8883","d","${KEY}"`, 791],
    ['five parameters', `"${HOST}:8883","d","${KEY}",60,1`, 792],
    ['text glued to a closing quote', `"${HOST}:8883"x,"d","${KEY}",60`, 795],
  ])('refuses %s', async (_what, args, code) => {
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange(`AT+SAZURECONF=${args}`)).toBe(`\r\n+CME ERROR: ${code}\r\n`);
    await dte.exchange('AT+CMEE=0');
    expect(await dte.exchange(`AT+SAZURECONF=${args}`)).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
  });

  it('fills URL, CLIENTID and USERNAME at once (api-version 2018-06-30); PASSWORD is signed at SMCONN', async () => {
    await dte.exchange(SAZURECONF);
    expect(await dte.exchange('AT+SMCONF?')).toBe(
      '\r\n+SMCONF: \r\nCID: 1\r\n' +
        `URL: "${HOST}:8883"\r\nCLIENTID: "${DEVICE}"\r\nKEEPALIVE: 60\r\nCLEANSS: 0\r\n` +
        `USERNAME: "${HOST}/${DEVICE}/?api-version=2018-06-30"\r\nPASSWORD: ""\r\n` +
        'TIMEOUT: 60\r\nTOPIC: ""\r\nMESSAGE: ""\r\nQOS: 0\r\nRETAIN: 0\r\n\r\nOK\r\n',
    );
  });
});

it('the api-version comes from the modem config', async () => {
  const dte = await readyDte({ modem: { azureApiVersion: '2021-04-12' } });
  await dte.exchange(SAZURECONF);
  expect(await dte.exchange('AT+SMCONF?')).toContain(`USERNAME: "${HOST}/${DEVICE}/?api-version=2021-04-12"`);
  await dte.close();
});

describe('SMCONN with the hub stand-in', () => {
  let d: Device | undefined;
  afterEach(async () => {
    await d?.stop();
    d = undefined;
  });

  /** SMCONN's final line; the modem answers AT afterwards and SMSTATE agrees. */
  async function smconn(dev: Device): Promise<string> {
    const r = await dev.dte.send('AT+SMCONN');
    expect((await dev.dte.send('AT')).final).toBe('OK');
    expect(await dev.dte.ok('AT+SMSTATE?')).toEqual([r.ok ? '+SMSTATE: 1' : '+SMSTATE: 0']);
    return r.final;
  }

  it('connects as the device: client id, user name and a token the hub accepts', async () => {
    d = await hubDevice();
    const connected: string[] = [];
    d.emu.azureHub!.on('connected', (id) => connected.push(id));
    await d.dte.ok(SAZURECONF);
    expect(await smconn(d)).toBe('OK');
    expect(connected).toEqual([DEVICE]);
  });

  it('the token expires at the module clock + expiry: CCLK 19/09/04,16:05:01+32 + 86400 → se 1567670701, as azure-iot-common signs it', async () => {
    d = await hubDevice({}, { networkTime: false });
    const refused = refusals(d);
    await d.dte.ok('AT+CCLK="19/09/04,16:05:01+32"');
    await d.dte.ok(SAZURECONF);
    // The hub's clock is today's: a token that ran out in 2019 is refused...
    expect(await smconn(d)).toBe('+CME ERROR: 767');
    expect(refused).toEqual([{ clientId: DEVICE, returnCode: 5, reason: 'SAS token: expired' }]);
    // ...and the token the module signed is Microsoft's for se = 1567584301 + 86400 (the
    // clock ran a few ms at most, so the second is the same unless it ticked over).
    const password = (await d.dte.ok('AT+SMCONF?')).find((l) => l.startsWith('PASSWORD: '))!;
    const candidates = [1567670701, 1567670702].map((se) => `PASSWORD: "${microsoftToken(HOST, DEVICE, KEY, se)}"`);
    expect(candidates).toContain(password);
  });

  it('the clock trap: no network time, the RTC is in 2004, so even a year-long token is expired', async () => {
    d = await hubDevice({}, { networkTime: false });
    const refused = refusals(d);
    expect(await d.dte.ok('AT+CCLK?')).toEqual([expect.stringMatching(/^\+CCLK: "04\/01\/01,00:00:\d\d\+32"$/)]);
    await d.dte.ok(`AT+SAZURECONF="${HOST}:8883","${DEVICE}","${KEY}",31536000`);
    expect(await smconn(d)).toBe('+CME ERROR: 767');
    expect(refused.map((r) => r.reason)).toEqual(['SAS token: expired']);
    // The note's recipe: network time first, then the same configuration connects.
    await d.dte.ok('AT+CLTS=1');
    await d.dte.ok('AT+CFUN=0');
    await d.dte.ok('AT+CFUN=1');
    await d.dte.waitFor('+CIEV:');
    await d.dte.ok('AT+SAPBR=1,1');
    expect(await smconn(d)).toBe('OK');
  });

  it.each([
    ['expiry 0: the token is dead when signed', `AT+SAZURECONF="${HOST}:8883","${DEVICE}","${KEY}",0`, [], 5, 'SAS token: expired'],
    ['the wrong key', `AT+SAZURECONF="${HOST}:8883","${DEVICE}","${OTHER_KEY}",3600`, [], 5, 'SAS token: signature'],
    ['another device\'s key under our id (wrong device id)', `AT+SAZURECONF="${HOST}:8883","other","${KEY}",3600`, [], 5, 'SAS token: signature'],
    ['an unknown device', `AT+SAZURECONF="${HOST}:8883","ghost","${KEY}",3600`, [], 5, 'unknown device'],
    ['a user name without api-version', SAZURECONF, [`AT+SMCONF="USERNAME","${HOST}/${DEVICE}/"`], 4, 'user name is not <host>/<deviceId>/?api-version=<version>'],
    ['a user name for another device', SAZURECONF, [`AT+SMCONF="USERNAME","${HOST}/other/?api-version=2018-06-30"`], 4, 'user name is for another device than the client id'],
    ['a client id that is no device id', SAZURECONF, ['AT+SMCONF="CLIENTID","no such/device"'], 2, 'client id is not a device id'],
    ['a password of its own instead of the token', SAZURECONF, ['AT+SMCONF="PASSWORD","secret"'], 4, 'SAS token: malformed'],
  ])('refused: %s → 767', async (_what, conf, extra, returnCode, reason) => {
    d = await hubDevice();
    const refused = refusals(d);
    await d.dte.ok(conf);
    for (const line of extra) await d.dte.ok(line);
    expect(await smconn(d)).toBe('+CME ERROR: 767');
    expect(refused).toEqual([{ clientId: expect.any(String), returnCode, reason }]);
  });

  it('a hub name of its own: the stand-in refuses a device configured for another hub (user name, 4)', async () => {
    d = await hubDevice({ azureHub: { ...HUB, hostName: 'mine.azure-devices.net' } });
    const refused = refusals(d);
    await d.dte.ok(SAZURECONF);
    expect(await smconn(d)).toBe('+CME ERROR: 767');
    expect(refused.map((r) => [r.returnCode, r.reason])).toEqual([[4, 'user name is for another hub than mine.azure-devices.net']]);
    await d.dte.ok(`AT+SAZURECONF="mine.azure-devices.net:8883","${DEVICE}","${KEY}",60`);
    expect(await smconn(d)).toBe('OK');
  });

  it('a fresh token at every SMCONN: reconnecting after SMDISC signs again from the clock', async () => {
    d = await hubDevice();
    await d.dte.ok(`AT+SAZURECONF="${HOST}:8883","${DEVICE}","${KEY}",5`);
    expect(await smconn(d)).toBe('OK');
    await d.dte.ok('AT+SMDISC');
    // Move the module clock a day ahead: a token signed at the first SMCONN would now be
    // 'expired' for the module, but the hub checks its own clock, and a new one is signed.
    const password1 = (await d.dte.ok('AT+SMCONF?')).find((l) => l.startsWith('PASSWORD: '));
    d.emu.modem.rtc.setLocal(d.emu.modem.rtc.localMs() + 86_400_000, d.emu.modem.rtc.tz);
    await d.dte.ok('AT+SMCONF="KEEPALIVE",120');
    const r = await d.dte.send('AT+SMCONN');
    expect(r.final).toBe('OK');
    const password2 = (await d.dte.ok('AT+SMCONF?')).find((l) => l.startsWith('PASSWORD: '));
    const se = (p?: string) => Number(/se=(\d+)/.exec(p ?? '')?.[1]);
    expect(se(password2) - se(password1)).toBeGreaterThanOrEqual(86_400);
  });
});
