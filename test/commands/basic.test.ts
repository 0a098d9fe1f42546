/** ATZ, AT&F, AT&W and the NV profile; AT+IPR; S-registers; ATE/ATV/ATQ arguments. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readyDte, startDte, type Dte } from '../helpers/dte';

let dte: Dte;
afterEach(async () => {
  await dte?.close();
});

describe('ATZ, AT&F, AT&W', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('ATZ restores the saved profile; AT&F the factory one', async () => {
    await dte.exchange('AT+CMEE=1;+CREG=2;&W');
    await dte.exchange('AT+CMEE=2;+CREG=0');
    expect(await dte.exchange('ATZ')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CMEE?;+CREG?')).toBe('\r\n+CMEE: 1\r\n\r\n+CREG: 2,1,"1A2B","0C3D"\r\n\r\nOK\r\n');
    // Echo was off in the saved profile too (readyDte sent ATE0 before &W).
    expect(await dte.exchange('AT&F')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CMEE?')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });

  it('ATZ0 and AT&F0 are accepted; other numbers are not', async () => {
    expect(await dte.exchange('ATZ1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT&F1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT&W1')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT&W0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATZ0')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT&F0')).toBe('\r\nOK\r\n');
    // Factory profile: echo on again.
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
  });

  it('ATZ without a saved profile is the factory profile', async () => {
    await dte.exchange('AT+CMEE=2');
    await dte.exchange('ATZ');
    expect(await dte.exchange('AT+CMEE?')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });

  it('neither ATZ nor AT&F resets the UART settings (IPR, CSCLK)', async () => {
    await dte.exchange('AT+IPR=115200;+CSCLK=1');
    await dte.exchange('AT&F;E0');
    expect(await dte.exchange('AT+IPR?;+CSCLK?')).toBe('\r\n+IPR: 115200\r\n\r\n+CSCLK: 1\r\n\r\nOK\r\n');
    await dte.exchange('ATZ;E0');
    expect(await dte.exchange('AT+IPR?;+CSCLK?')).toBe('\r\n+IPR: 115200\r\n\r\n+CSCLK: 1\r\n\r\nOK\r\n');
  });

  it('the TinyGSM factory line AT&FZE0&W: factory, reload, echo off, save', async () => {
    await dte.exchange('AT+CMEE=2');
    expect(await dte.exchange('AT&FZE0&W')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CMEE?')).toBe('\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });
});

describe('the profile across restarts (stateDir)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-profile-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('AT&W survives a new emulator on the same directory', async () => {
    dte = await readyDte({ stateDir: dir });
    await dte.exchange('AT+CMEE=2;+CREG=1;+CLTS=1;&W');
    await dte.close();
    dte = await startDte({ stateDir: dir });
    // Echo off was saved: the first AT syncs and is answered without echo.
    expect(await dte.exchange('AT')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CMEE?;+CREG?;+CLTS?')).toBe('\r\n+CMEE: 2\r\n\r\n+CREG: 1,1\r\n\r\n+CLTS: 1\r\n\r\nOK\r\n');
  });

  it('without AT&W nothing survives', async () => {
    dte = await readyDte({ stateDir: dir });
    await dte.exchange('AT+CMEE=2');
    await dte.close();
    dte = await startDte({ stateDir: dir });
    expect(await dte.exchange('AT')).toBe('AT\r\r\nOK\r\n');
    expect(await dte.exchange('AT+CMEE?')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });

  it('a saved fixed rate means RDY and the power-up URCs at the next start', async () => {
    dte = await readyDte({ stateDir: dir });
    await dte.exchange('AT+IPR=115200;&W');
    await dte.close();
    dte = await startDte({ stateDir: dir });
    expect(dte.received()).toBe('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\nCall Ready\r\n\r\nSMS Ready\r\n');
  });

  it('a damaged profile file counts as an empty NV', async () => {
    fs.writeFileSync(path.join(dir, 'profile.json'), '{ not json');
    dte = await startDte({ stateDir: dir });
    expect(await dte.exchange('AT+CMEE?')).toBe('AT+CMEE?\r\r\n+CMEE: 0\r\n\r\nOK\r\n');
  });
});

describe('AT+IPR', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('read, test, write each rate, invalid rates', async () => {
    expect(await dte.exchange('AT+IPR?')).toBe('\r\n+IPR: 0\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+IPR=?')).toBe('\r\n+IPR: (),(1200,2400,4800,9600,19200,38400,57600,115200,230400,460800)\r\n\r\nOK\r\n');
    for (const r of [1200, 9600, 57600, 460800, 0]) {
      expect(await dte.exchange(`AT+IPR=${r}`)).toBe('\r\nOK\r\n');
      expect(await dte.exchange('AT+IPR?')).toBe(`\r\n+IPR: ${r}\r\n\r\nOK\r\n`);
    }
    await dte.exchange('AT+CMEE=1');
    for (const bad of ['9601', '300', '921600', '-1', 'fast', '']) {
      expect([bad, await dte.exchange(`AT+IPR=${bad}`)]).toEqual([bad, expect.stringMatching(/^\r\n\+CME ERROR: (765|791)\r\n$/)]);
    }
    expect(await dte.exchange('AT+IPR')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT+IPR?')).toBe('\r\n+IPR: 0\r\n\r\nOK\r\n');
  });

  it('the configured rate is what IPR reads at first', async () => {
    await dte.close();
    dte = await startDte({ modem: { ipr: 57600 } });
    expect(await dte.exchange('AT+IPR?')).toBe('AT+IPR?\r\r\n+IPR: 57600\r\n\r\nOK\r\n');
  });
});

describe('S-registers', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it.each([
    ['S0', '000'],
    ['S3', '013'],
    ['S4', '010'],
    ['S5', '008'],
    ['S6', '002'],
    ['S7', '060'],
    ['S8', '002'],
    ['S10', '015'],
  ])('AT%s? → %s', async (reg, value) => {
    expect(await dte.exchange(`AT${reg}?`)).toBe(`\r\n${value}\r\n\r\nOK\r\n`);
  });

  it('writes within range, rejects outside, S3/S4 fixed', async () => {
    expect(await dte.exchange('ATS0=3')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATS0?')).toBe('\r\n003\r\n\r\nOK\r\n');
    expect(await dte.exchange('ATS0=256')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATS3=13')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATS3=10')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATS4=13')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATS5=128')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATS99?')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATS1?')).toBe('\r\nERROR\r\n');
  });

  it('S5 redefines backspace for the next lines', async () => {
    expect(await dte.exchange('ATS5=127')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('AT+CGMX\x7fI')).toBe('\r\nSIMCOM_Ltd\r\n\r\nOK\r\n');
    expect(await dte.exchange('AT+CGMX\bI')).toBe('\r\nERROR\r\n');
  });

  it('S-registers belong to the profile', async () => {
    await dte.exchange('ATS0=2&W');
    await dte.exchange('ATS0=5');
    await dte.exchange('ATZ');
    expect(await dte.exchange('ATS0?')).toBe('\r\n002\r\n\r\nOK\r\n');
  });
});

describe('ATE, ATV, ATQ, ATX, AT&C, AT&D arguments', () => {
  beforeEach(async () => {
    dte = await readyDte();
  });

  it('no digit means 0; only 0 and 1 are values', async () => {
    expect(await dte.exchange('ATQ')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATE2')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATV2')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATQ2')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('ATV')).toBe('0\r');
    expect(await dte.exchange('ATV1')).toBe('\r\nOK\r\n');
  });

  it('X0..X4, &C0..1, &D0..2 accepted; beyond, ERROR', async () => {
    expect(await dte.exchange('ATX4&C1&D2')).toBe('\r\nOK\r\n');
    expect(await dte.exchange('ATX5')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT&C2')).toBe('\r\nERROR\r\n');
    expect(await dte.exchange('AT&D3')).toBe('\r\nERROR\r\n');
  });
});
