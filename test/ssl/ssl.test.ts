/** The SSL family's exact bytes: AT+SSLSETROOT, AT+SSLOPT, AT+SSLSETCERT (its URC after OK). */
import { redactLine } from '../../src/log';
import { readyDte, type Dte } from '../helpers/dte';

const OK = '\r\nOK\r\n';
const ROOT = 'C:\\USER\\ROOT.CRT';

let dte: Dte;
beforeEach(async () => {
  dte = await readyDte();
  await dte.exchange('AT+CMEE=1');
});
afterEach(async () => {
  await dte?.close();
});

async function file(name: string, data: string): Promise<void> {
  await dte.exchange(`AT+FSCREATE=${name}`);
  await dte.exchange(`AT+FSWRITE=${name},0,${data.length},10`);
  expect(await dte.exchange(data, { raw: true })).toBe(OK);
}

describe('AT+SSLSETROOT', () => {
  it('takes the file quoted or not and the size quoted after a space (EWF); read shows it', async () => {
    expect(await dte.exchange('AT+SSLSETROOT?')).toBe(`\r\n+SSLSETROOT: "",0\r\n${OK}`);
    await file(ROOT, 'hello');
    expect(await dte.exchange(`AT+SSLSETROOT="${ROOT}", "5"`)).toBe(OK);
    expect(await dte.exchange(`AT+SSLSETROOT=${ROOT},5`)).toBe(OK);
    expect(await dte.exchange('AT+SSLSETROOT?')).toBe(`\r\n+SSLSETROOT: "${ROOT}",5\r\n${OK}`);
    expect(await dte.exchange('AT+SSLSETROOT=?')).toBe(OK);
  });

  it('a size other than the file\'s: 765; a missing file: 22; a bad path: 765; the setting stays', async () => {
    await file(ROOT, 'hello');
    await dte.exchange(`AT+SSLSETROOT="${ROOT}",5`);
    expect(await dte.exchange(`AT+SSLSETROOT="${ROOT}",6`)).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange('AT+SSLSETROOT="C:\\USER\\NONE.CRT",5')).toBe('\r\n+CME ERROR: 22\r\n');
    expect(await dte.exchange('AT+SSLSETROOT="D:\\ROOT.CRT",5')).toBe('\r\n+CME ERROR: 765\r\n');
    expect(await dte.exchange(`AT+SSLSETROOT="${ROOT}"`)).toBe('\r\n+CME ERROR: 791\r\n');
    expect(await dte.exchange('AT+SSLSETROOT?')).toBe(`\r\n+SSLSETROOT: "${ROOT}",5\r\n${OK}`);
    await dte.exchange('AT+CMEE=0');
    expect(await dte.exchange(`AT+SSLSETROOT="${ROOT}",6`)).toBe('\r\nERROR\r\n');
  });
});

describe('AT+SSLOPT', () => {
  it('sets option 0 (ignore an invalid certificate) and 1 (client authentication); read lists both', async () => {
    expect(await dte.exchange('AT+SSLOPT=?')).toBe(`\r\n+SSLOPT: (0,1),(0,1)\r\n${OK}`);
    expect(await dte.exchange('AT+SSLOPT?')).toBe(`\r\n+SSLOPT: 0,0\r\n+SSLOPT: 1,0\r\n${OK}`);
    // Example 2's pair.
    expect(await dte.exchange('AT+SSLOPT=0,0')).toBe(OK);
    expect(await dte.exchange('AT+SSLOPT=1,1')).toBe(OK);
    expect(await dte.exchange('AT+SSLOPT?')).toBe(`\r\n+SSLOPT: 0,0\r\n+SSLOPT: 1,1\r\n${OK}`);
    expect(await dte.exchange('AT+SSLOPT=0,1')).toBe(OK);
    expect(await dte.exchange('AT+SSLOPT?')).toBe(`\r\n+SSLOPT: 0,1\r\n+SSLOPT: 1,1\r\n${OK}`);
  });

  it.each([
    ['AT+SSLOPT=2,0', '765'],
    ['AT+SSLOPT=0,2', '765'],
    ['AT+SSLOPT=0', '791'],
    ['AT+SSLOPT=0,1,1', '792'],
  ])('%s → CME %s', async (line, code) => {
    expect(await dte.exchange(line)).toBe(`\r\n+CME ERROR: ${code}\r\n`);
    expect(await dte.exchange('AT+SSLOPT?')).toBe(`\r\n+SSLOPT: 0,0\r\n+SSLOPT: 1,0\r\n${OK}`);
  });
});

describe('AT+SSLSETCERT', () => {
  it('OK, then +SSLSETCERT: 0 when the file exists, 1 when it does not', async () => {
    await file('C:\\USER\\CLIENT.P12', 'pfx');
    expect(await dte.exchange('AT+SSLSETCERT="C:\\USER\\CLIENT.P12","ABC"')).toBe(`${OK}\r\n+SSLSETCERT: 0\r\n`);
    expect(await dte.exchange('AT+SSLSETCERT=C:\\USER\\CLIENT.P12')).toBe(`${OK}\r\n+SSLSETCERT: 0\r\n`);
    expect(await dte.exchange('AT+SSLSETCERT="C:\\USER\\NONE.P12"')).toBe(`${OK}\r\n+SSLSETCERT: 1\r\n`);
    expect(await dte.exchange('AT+SSLSETCERT=?')).toBe(OK);
  });

  it('its password never reaches a log line', () => {
    expect(redactLine('AT+SSLSETCERT="C:\\USER\\C.P12","s3cret"')).toBe('AT+SSLSETCERT="C:\\USER\\C.P12",***');
    expect(redactLine('AT+SSLSETCERT=C:\\USER\\C.P12,s3cret;+CSQ')).toBe('AT+SSLSETCERT=C:\\USER\\C.P12,***;+CSQ');
  });
});
