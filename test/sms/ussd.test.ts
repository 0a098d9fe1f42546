/**
 * USSD (27.007 +CUSD): OK, then the network's +CUSD URC from the configured table or the
 * control API; the string in the TE character set; a menu session (m=1) answered and
 * ended; unknown codes; no network.
 */
import { smsDte, type SmsDte } from './helpers';

let dte: SmsDte;
afterEach(async () => {
  await dte?.close();
});

const ok = '\r\nOK\r\n';

describe('AT+CUSD', () => {
  beforeEach(async () => {
    dte = await smsDte({ modem: { ussd: { '*100#': 'Your balance is 10.00 EUR' } } });
  });

  it('test and read forms; n is kept', async () => {
    expect(await dte.exchange('AT+CUSD=?')).toBe('\r\n+CUSD: (0-2)\r\n' + ok);
    expect(await dte.exchange('AT+CUSD?')).toBe('\r\n+CUSD: 0\r\n' + ok);
    expect(await dte.exchange('AT+CUSD=1')).toBe(ok);
    expect(await dte.exchange('AT+CUSD?')).toBe('\r\n+CUSD: 1\r\n' + ok);
  });

  it('a balance request: OK, then +CUSD: 0,"<reply>",15 from the configured table', async () => {
    expect(await dte.exchange('AT+CUSD=1,"*100#"')).toBe(ok + '\r\n+CUSD: 0,"Your balance is 10.00 EUR",15\r\n');
    expect(await dte.exchange('AT+CUSD=1,"*100#",15')).toBe(ok + '\r\n+CUSD: 0,"Your balance is 10.00 EUR",15\r\n');
  });

  it('CSCS "HEX": the reply as two hex digits per GSM character (TinyGSM decodes it so)', async () => {
    await dte.exchange('AT+CSCS="HEX"');
    // The request may come in hex too: "*100#" = 2A 31 30 30 23.
    expect(await dte.exchange('AT+CUSD=1,"2A31303023"')).toBe(ok + '\r\n+CUSD: 0,"596F75722062616C616E63652069732031302E303020455552",15\r\n');
  });

  it('a UCS2 reply (dcs 72) is UCS2 hex', async () => {
    await dte.api('POST', '/ussd', { code: '*102#', reply: 'Баланс 5', dcs: 72 });
    expect(await dte.exchange('AT+CUSD=1,"*102#"')).toBe(ok + '\r\n+CUSD: 0,"04110430043B0430043D044100200035",72\r\n');
  });

  it('a menu: m=1 keeps the session, the answer is matched, m=2 from AT+CUSD=2 ends it', async () => {
    await dte.api('POST', '/ussd', { code: '*111#', reply: '1 Balance 2 Bundles', status: 1 });
    await dte.api('POST', '/ussd', { code: '1', reply: 'Balance 3.50', status: 0 });
    expect(await dte.exchange('AT+CUSD=1,"*111#"')).toBe(ok + '\r\n+CUSD: 1,"1 Balance 2 Bundles",15\r\n');
    expect(await dte.exchange('AT+CUSD=1,"1"')).toBe(ok + '\r\n+CUSD: 0,"Balance 3.50",15\r\n');
    await dte.exchange('AT+CUSD=1,"*111#"');
    expect(await dte.exchange('AT+CUSD=2')).toBe(ok);
  });

  it('n=0: the request goes out, no result code is shown', async () => {
    expect(await dte.exchange('AT+CUSD=0,"*100#"')).toBe(ok);
    expect((await dte.api('GET', '/ussd')).json.requests.at(-1)).toMatchObject({ code: '*100#' });
  });

  it('an unknown code is +CUSD: 4; unregistered is CME 30', async () => {
    expect(await dte.exchange('AT+CUSD=1,"*999#"')).toBe(ok + '\r\n+CUSD: 4\r\n');
    await dte.exchange('AT+CMEE=1;+CFUN=4');
    expect(await dte.exchange('AT+CUSD=1,"*100#"')).toBe('\r\n+CME ERROR: 30\r\n');
  });
});
