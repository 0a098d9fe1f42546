/**
 * The SMS, call and USSD routes of the control API: listed in GET /, bad input answered
 * 400 with a reason (and nothing delivered), the token rule of every route, a full store
 * holding messages in the network until a location frees, the store in GET /state.
 */
import { FROM, TIME, deliver, smsDte, type SmsDte } from './helpers';

let dte: SmsDte;
afterEach(async () => {
  await dte?.close();
});

describe('routes', () => {
  beforeEach(async () => {
    dte = await smsDte();
  });

  it('GET / lists them', async () => {
    const { json } = await dte.api('GET', '/');
    expect(json.routes).toEqual(expect.arrayContaining(['POST /sms', 'GET /sms', 'POST /call', 'GET /calls', 'POST /calls/:name', 'POST /ussd', 'GET /ussd']));
  });

  it.each([
    ['no sender', { text: 'x' }],
    ['text and pdu together', { from: FROM, text: 'x', pdu: '00' }],
    ['neither text, data nor pdu', { from: FROM }],
    ['a PDU that is not hex', { from: FROM, pdu: 'XYZ' }],
    ['a PDU that is not an SMS-DELIVER', { from: FROM, pdu: '11000B911326880736F40000AA0AE8329BFD4697D9EC37' }],
    ['gsm7 forced on a text outside the GSM alphabet', { from: FROM, text: '你好', encoding: 'gsm7' }],
    ['an unknown encoding', { from: FROM, text: 'x', encoding: 'utf8' }],
    ['a class out of range', { from: FROM, text: 'x', class: 4 }],
    ['a bad time', { from: FROM, text: 'x', time: 'yesterday' }],
    ['an unknown field', { from: FROM, text: 'x', colour: 'red' }],
    ['a sender that is no number nor 11 GSM characters', { from: 'A very long sender name', text: 'x' }],
  ])('POST /sms with %s is 400, nothing delivered', async (_name, body) => {
    const r = await dte.api('POST', '/sms', body);
    expect(r.status).toBe(400);
    expect(typeof r.json.error).toBe('string');
    expect(await dte.urcs()).toBe('');
  });

  it('an alphanumeric sender is delivered as such (type 208)', async () => {
    await deliver(dte, { from: 'MyBank', text: 'code 1234' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1;+CSDH=1');
    expect(await dte.exchange('AT+CMGR=1')).toMatch(/^\r\n\+CMGR: "REC UNREAD","MyBank","","24\/03\/01,10:15:00\+04",208,4,0,0,/);
  });

  it.each([
    ['POST /call with neither from nor to', '/call', {}],
    ['POST /call with an unknown outcome', '/call', { to: '*', outcome: 'maybe' }],
    ['POST /ussd without a reply', '/ussd', { code: '*100#' }],
    ['POST /ussd with a status out of range', '/ussd', { code: '*100#', reply: 'x', status: 9 }],
  ])('%s is 400', async (_name, route, body) => {
    expect((await dte.api('POST', route, body)).status).toBe(400);
  });

  it('POST /calls/:id of no such call is 404; an unknown action 400', async () => {
    expect((await dte.api('POST', '/calls/nope', { action: 'answer' })).status).toBe(404);
    const { json } = await dte.api('POST', '/call', { from: FROM });
    expect((await dte.api('POST', `/calls/${json.call.id}`, { action: 'dance' })).status).toBe(400);
  });

  it('GET /state shows the stores', async () => {
    await deliver(dte, { text: 'x' });
    const { json } = await dte.api('GET', '/state');
    expect(json.sms).toMatchObject({ stores: { SM: { used: 1, total: 50 }, ME: { used: 0, total: 50 } } });
  });
});

describe('a full store', () => {
  it('holds what arrives in the network and delivers it when a location frees', async () => {
    dte = await smsDte({ modem: { smsCapacity: 1 } });
    await deliver(dte, { text: 'first' });
    expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n');
    const r = await deliver(dte, { text: 'second' });
    expect(r.delivered).toEqual(['held']);
    expect(await dte.urcs()).toBe('');
    expect(await dte.exchange('AT+CMGD=1')).toBe('\r\nOK\r\n\r\n+CMTI: "SM",1\r\n');
    await dte.exchange('AT+CMGF=1');
    expect(await dte.exchange('AT+CMGR=1')).toMatch(/\r\nsecond\r\n/);
  });
});

describe('a module the network cannot reach', () => {
  it('radio off: the message waits; after AT+CFUN=1 it arrives behind SMS Ready', async () => {
    dte = await smsDte();
    await dte.exchange('AT+CFUN=4');
    expect((await deliver(dte, { text: 'while away' })).delivered).toEqual(['held']);
    expect(await dte.urcs()).toBe('');
    const out = (await dte.exchange('AT+CFUN=1')) + (await dte.urcs());
    expect(out).toMatch(/SMS Ready\r\n\r\n\+CMTI: "SM",1\r\n$/);
  });
});

describe('the token rule', () => {
  it('a token protects the SMS routes like every other', async () => {
    dte = await smsDte({ control: { port: 0, token: 't0ken-of-16-chars' } });
    const json = { 'content-type': 'application/json' };
    const res = await fetch(`${dte.emu.controlUrl}/sms`, { method: 'POST', headers: json, body: JSON.stringify({ from: FROM, text: 'x', time: TIME }) });
    expect(res.status).toBe(401);
    const ok = await fetch(`${dte.emu.controlUrl}/sms`, { method: 'POST', headers: { ...json, authorization: 'Bearer t0ken-of-16-chars' }, body: JSON.stringify({ from: FROM, text: 'x', time: TIME }) });
    expect(ok.status).toBe(201);
  });
});

describe('the library handle', () => {
  it('has the same calls as the HTTP API', async () => {
    dte = await smsDte();
    const c = dte.emu.control;
    expect(c.sms.send({ from: FROM, text: 'hi', time: TIME })).toMatchObject({ parts: 1, delivered: [{ mem: 'SM', index: 1 }] });
    expect(await dte.urcs()).toBe('\r\n+CMTI: "SM",1\r\n');
    expect(() => c.sms.send({ from: FROM })).toThrow(/exactly one of/);
    expect(c.calls.call({ from: FROM })).toMatchObject({ call: { dir: 'in', number: FROM, state: 'incoming' } });
    expect(c.calls.list()).toHaveLength(1);
    expect(c.calls.act(c.calls.list()[0].id, { action: 'hangup' })).toMatchObject({ state: 'ended', endedBy: 'caller' });
    expect(c.ussd.set({ code: '*100#', reply: 'x' })).toEqual({ code: '*100#', reply: 'x', status: 0, dcs: 15 });
    expect(c.sms.sent()).toEqual([]);
  });
});
