/**
 * The module's own hardware (src/commands/device.ts): temperature (AT+CMTE) and flash device
 * (AT+CDEVICE); and AT+CGNSPWR, which belongs to the SIM808 and stays an unknown command
 * (docs/decisions.md, Start-up commands).
 */
import { mergeModemConfig } from '../../src/modem/config';
import { readyDte, type Dte } from '../helpers/dte';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

describe('AT+CMTE (temperature)', () => {
  it('<mode>,<temperature> with two decimals; the default is 25 °C with detection off', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CMTE?')).toBe('\r\n+CMTE: 0,25.00\r\n\r\nOK\r\n');
    await dte.close();
    dte = await readyDte({ modem: { temperature: 23.734 } });
    expect(await dte.exchange('AT+CMTE?')).toBe('\r\n+CMTE: 0,23.73\r\n\r\nOK\r\n');
    await dte.close();
    dte = await readyDte({ modem: { temperature: -12.5 } });
    expect(await dte.exchange('AT+CMTE?')).toBe('\r\n+CMTE: 0,-12.50\r\n\r\nOK\r\n');
  });

  it('write <mode> 0/1; other values, test and execute forms are errors', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CMTE=1')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CMTE?')).toBe('\r\n+CMTE: 1,25.00\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CMTE=2')).toBe('\r\nERROR\r\n');
    await dte.exchange('AT+CMEE=1');
    expect(await dte.exchange('AT+CMTE=2')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+CMTE=0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CMTE?')).toBe('\r\n+CMTE: 0,25.00\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CMTE=?')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+CMTE')).toBe('\r\nERROR\r\n');
  });

  it('<mode> is part of the AT&W profile; no SIM needed', async () => {
    dte = await readyDte({ modem: { ipr: 115200, simInserted: false } });
    await dte.exchange('AT+CMTE=1;&W');
    dte.modem.powerOn();
    await dte.settle();
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CMTE?')).toBe('\r\n+CMTE: 1,25.00\r\n\r\nOK\r\n');
  });
});

describe('AT+CDEVICE (flash device type)', () => {
  it('Device Name: and the configured type; read form only', async () => {
    dte = await readyDte();
    expect(await dte.exchange('AT+CDEVICE?')).toBe('\r\nDevice Name: NOR 24Mbit\r\n\r\nOK\r\n');
    for (const cmd of ['AT+CDEVICE', 'AT+CDEVICE=?', 'AT+CDEVICE=1']) {
      expect([cmd, await dte.exchange(cmd)]).toEqual([cmd, '\r\nERROR\r\n']);
    }
    await dte.close();
    dte = await readyDte({ modem: { flashDevice: 'GD25LQ32' } });
    expect(await dte.exchange('AT+CDEVICE?')).toBe('\r\nDevice Name: GD25LQ32\r\n\r\nOK\r\n');
  });
});

describe('AT+CGNSPWR', () => {
  it('is the SIM808 GNSS engine, not in the SIM800 manual: plain ERROR under every CMEE', async () => {
    dte = await readyDte();
    for (const cmee of [0, 1, 2]) {
      await dte.exchange(`AT+CMEE=${cmee}`);
      for (const cmd of ['AT+CGNSPWR?', 'AT+CGNSPWR=1', 'AT+CGNSPWR=?']) {
        expect([cmee, cmd, await dte.exchange(cmd)]).toEqual([cmee, cmd, '\r\nERROR\r\n']);
      }
    }
  });
});

describe('the start-up commands\' settings are checked against what the module can show', () => {
  it.each([
    [{ ownNumber: '+86 138' }, 'ownNumber'],
    [{ ownNumber: '+' }, 'ownNumber'],
    [{ ownNumber: '1'.repeat(21) }, 'ownNumber'],
    [{ ownNumberName: 'a"b' }, 'ownNumberName'],
    [{ spn: 'two\r\nlines' }, 'spn'],
    [{ spnDisplayMode: 2 }, 'spnDisplayMode'],
    [{ temperature: 96 }, 'temperature'],
    [{ temperature: -40.5 }, 'temperature'],
    [{ flashDevice: 'x\n' }, 'flashDevice'],
  ])('%j is refused naming %s', (modem, key) => {
    expect(() => mergeModemConfig(modem)).toThrow(`"${key}"`);
  });

  it('the edges are accepted', () => {
    expect(mergeModemConfig({ ownNumber: '+' + '1'.repeat(20), temperature: -40, spnDisplayMode: 1 })).toMatchObject({ temperature: -40 });
    expect(mergeModemConfig({ ownNumber: '', temperature: 95 })).toMatchObject({ ownNumber: '' });
  });
});
