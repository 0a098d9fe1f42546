/**
 * Modem settings are checked against what the module can show (src/modem/config.ts):
 * one line naming the key, from the library (OptionError) and from a config file (exit
 * 2); the default and every fleet identity carry a Luhn-valid IMEI.
 */
import { parseConfigText, UsageError } from '../../src/cli/config';
import { identityFor } from '../../src/fleet/identity';
import { DEFAULT_MODEM_CONFIG, isValidImei, luhnDigit, mergeModemConfig } from '../../src/modem/config';
import { OptionError } from '../../src/optionError';
import { runCli } from '../helpers/cli';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

describe('what the module can show', () => {
  it.each([
    [{ rssi: 32 }, 'modem.rssi', 'modem setting "rssi" must be an integer from 0 to 31 or 99'],
    [{ rssi: 98 }, 'modem.rssi', 'modem setting "rssi" must be an integer from 0 to 31 or 99'],
    [{ rssi: 4.5 }, 'modem.rssi', 'modem setting "rssi" must be an integer from 0 to 31 or 99'],
    [{ imei: '86678204123456' }, 'modem.imei', 'modem setting "imei" must be 15 digits'],
    [{ imei: '86678204123456X' }, 'modem.imei', 'modem setting "imei" must be 15 digits'],
    [{ imei: '866782041234567' }, 'modem.imei', 'modem setting "imei" must end in its Luhn check digit: "866782041234567" should end in 4'],
    [{ imsi: '46000818410164A' }, 'modem.imsi', 'modem setting "imsi" must be 1 to 15 digits'],
    [{ imsi: '4600081841016411' }, 'modem.imsi', 'modem setting "imsi" must be 1 to 15 digits'],
    [{ iccid: '8986-0081' }, 'modem.iccid', 'modem setting "iccid" must be up to 20 digits (F, the filler digit, allowed)'],
    [{ iccid: '898600810906480488121' }, 'modem.iccid', 'modem setting "iccid" must be up to 20 digits (F, the filler digit, allowed)'],
    [{ operatorLong: 'ACME\r\nOK' }, 'modem.operatorLong', 'modem setting "operatorLong" must not contain a quote or a line break'],
    [{ model: 'SIM800"L' }, 'modem.model', 'modem setting "model" must not contain a quote or a line break'],
    [{ ati: 'SIM800\n' }, 'modem.ati', 'modem setting "ati" must not contain a quote or a line break'],
    [{ battery: { bcl: '97' } }, 'modem.battery.bcl', 'bad modem setting "battery.bcl"'],
    [{ battery: { charge: 1 } }, 'modem.battery', 'bad modem setting "battery.charge"'],
  ])('%j → %s: %s', (partial, option, message) => {
    let err: unknown;
    try {
      mergeModemConfig(partial);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OptionError);
    expect(err).toMatchObject({ option, message });
  });

  it.each([
    [{ rssi: 0 }],
    [{ rssi: 31 }],
    [{ rssi: 99 }],
    [{ imei: '490154203237518' }],
    [{ imsi: '310260000000001' }],
    [{ iccid: '898600810906F8048812' }],
    [{ iccid: '8901260000000000001F' }],
    [{ operatorLong: "Vodafone.de 'D2'" }],
  ])('accepts %j', (partial) => {
    expect(mergeModemConfig(partial)).toMatchObject(partial);
  });

  it('the default IMEI is Luhn-valid (modem 0 of a fleet keeps it)', () => {
    expect(DEFAULT_MODEM_CONFIG.imei).toBe('866782041234564');
    expect(isValidImei(DEFAULT_MODEM_CONFIG.imei)).toBe(true);
    expect(identityFor(DEFAULT_MODEM_CONFIG, 0).imei).toBe(DEFAULT_MODEM_CONFIG.imei);
    expect(() => mergeModemConfig({})).not.toThrow();
  });

  it('every fleet identity is Luhn-valid, also where the IMEI body wraps around', () => {
    const bases = [DEFAULT_MODEM_CONFIG, { imei: '999999999999994', imsi: '999999999999999', iccid: '89999999999999999999' }];
    for (const base of bases) {
      expect(isValidImei(base.imei)).toBe(true);
      const imeis = new Set<string>();
      for (const i of [0, 1, 2, 9, 10, 99, 1000, 9999]) {
        const id = identityFor(base, i);
        expect([i, isValidImei(id.imei)]).toEqual([i, true]);
        expect(id.imsi).toMatch(/^\d{15}$/);
        imeis.add(id.imei);
      }
      expect(imeis.size).toBe(8);
    }
    expect(luhnDigit('99999999999999')).toBe('4');
  });

  it('a config file: one line naming the file and the key', () => {
    expect(() => parseConfigText('{"modem": {"imei": "866782041234567"}}', 'c.json')).toThrow(
      new UsageError('c.json: "modem": modem setting "imei" must end in its Luhn check digit: "866782041234567" should end in 4'),
    );
  });

  it('the CLI: exit 2, one line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-modem-'));
    try {
      const file = path.join(dir, 'c.json');
      fs.writeFileSync(file, JSON.stringify({ modem: { operatorShort: 'A"B' } }));
      const r = await runCli(['--config', file]);
      expect([r.code, r.stderr, r.stdout]).toEqual([2, `sim800-emu: ${file}: "modem": modem setting "operatorShort" must not contain a quote or a line break\n`, '']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
