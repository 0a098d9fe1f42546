/**
 * The SMS faults through the control API (docs/faults.md): sending fails with a CMS code,
 * the network loses SMS service, every memory is full; messages to the device wait in
 * the network meanwhile and arrive (+CMTI) when the fault ends.
 */
import { FROM, deliver, sendText, smsDte, type SmsDte } from './helpers';

let dte: SmsDte;
beforeEach(async () => {
  dte = await smsDte();
  await dte.exchange('AT+CMEE=1;+CMGF=1');
});
afterEach(async () => {
  await dte?.close();
});

const inject = async (name: string, params?: Record<string, unknown>) => expect((await dte.api('POST', '/faults', { name, params })).status).toBe(201);
const clear = async (name: string) => expect((await dte.api('DELETE', `/faults/${name}`)).status).toBe(200);

it('smsSendFail: +CMS ERROR: <code> after the text, recorded as failed; clear: sending works', async () => {
  await inject('smsSendFail', { code: 38 });
  expect(await sendText(dte, FROM, 'alarm')).toBe('\r\n+CMS ERROR: 38\r\n');
  expect((await dte.api('GET', '/sms')).json.messages[0]).toMatchObject({ text: 'alarm', status: 'failed', error: 38 });
  await clear('smsSendFail');
  expect(await sendText(dte, FROM, 'alarm')).toBe('\r\n+CMGS: 1\r\n\r\nOK\r\n');
});

it('smsSendFail defaults to 500; under CMEE=0 plain ERROR', async () => {
  await inject('smsSendFail');
  expect(await sendText(dte, FROM, 'x')).toBe('\r\n+CMS ERROR: 500\r\n');
  await dte.exchange('AT+CMEE=0');
  expect(await sendText(dte, FROM, 'x')).toBe('\r\nERROR\r\n');
});

it('smsServiceLost: 331; incoming messages wait and arrive when it ends', async () => {
  await inject('smsServiceLost');
  expect(await sendText(dte, FROM, 'x')).toBe('\r\n+CMS ERROR: 331\r\n');
  expect((await deliver(dte, { text: 'later' })).delivered).toEqual(['held']);
  expect(await dte.urcs()).toBe('');
  await clear('smsServiceLost');
  expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n');
});

it('smsStoreFull: AT+CMGW 322; incoming messages wait and arrive when it ends', async () => {
  await inject('smsStoreFull');
  expect(await dte.exchange(`AT+CMGW="${FROM}"`)).toBe('\r\n> ');
  expect(await dte.exchange('x\x1a', { raw: true })).toBe('\r\n+CMS ERROR: 322\r\n');
  expect((await deliver(dte, { text: 'later' })).delivered).toEqual(['held']);
  await clear('smsStoreFull');
  expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n');
});
