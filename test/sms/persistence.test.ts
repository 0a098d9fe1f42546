/**
 * The SIM's message store in --state-dir: written atomically after every change (no
 * temporary file left behind), read back by the next emulator with statuses, PDUs and the
 * message reference; in memory without a state dir, surviving AT+CFUN=1,1 either way; a
 * damaged file is set aside, never trusted and never silently destroyed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useTempDir } from '../helpers/tmp';
import { FROM, SCTS, deliver, sendText, smsDte, type SmsDte } from './helpers';

const dir = useTempDir('sim800-sms-');
let dte: SmsDte | undefined;
afterEach(async () => {
  await dte?.close();
  dte = undefined;
});

const ok = '\r\nOK\r\n';
const info = (...lines: string[]) => `\r\n${lines.join('\r\n')}\r\n`;

describe('with --state-dir', () => {
  it('messages, their statuses and the next <mr> survive a restart', async () => {
    dte = await smsDte({ stateDir: dir() });
    await deliver(dte, { text: 'read me' });
    await deliver(dte, { text: 'unread' });
    await dte.urcs();
    await dte.exchange('AT+CMGF=1');
    await dte.exchange('AT+CMGR=1');
    await dte.exchange(`AT+CMGW="${FROM}"`);
    await dte.exchange('draft\x1a', { raw: true });
    expect(await sendText(dte, FROM, 'sent')).toBe(info('+CMGS: 1') + ok);
    await dte.close();

    expect(JSON.parse(fs.readFileSync(path.join(dir(), 'sms-sm.json'), 'utf8'))).toBeTruthy();
    expect(fs.readdirSync(dir()).filter((f) => f.startsWith(',tmp-'))).toEqual([]);

    dte = await smsDte({ stateDir: dir() });
    await dte.exchange('AT+CMGF=1');
    expect(await dte.exchange('AT+CPMS?')).toBe(info('+CPMS: "SM",3,50,"SM",3,50,"SM",3,50') + ok);
    expect(await dte.exchange('AT+CMGL="ALL",1')).toBe(
      info(`+CMGL: 1,"REC READ","${FROM}","","${SCTS}"`, 'read me', `+CMGL: 2,"REC UNREAD","${FROM}","","${SCTS}"`, 'unread', `+CMGL: 3,"STO UNSENT","${FROM}",""`, 'draft') + ok,
    );
    expect(await sendText(dte, FROM, 'again')).toBe(info('+CMGS: 2') + ok);
  });

  it('a deletion is on disk at once', async () => {
    dte = await smsDte({ stateDir: dir() });
    await deliver(dte, { text: 'x' });
    await dte.urcs();
    await dte.exchange('AT+CMGD=1');
    const onDisk = fs.readFileSync(path.join(dir(), 'sms-sm.json'), 'utf8');
    expect(onDisk).not.toMatch(/"index":\s*1\b/);
  });

  it('a damaged store is set aside and the SIM starts empty', async () => {
    fs.writeFileSync(path.join(dir(), 'sms-sm.json'), '{ not json');
    dte = await smsDte({ stateDir: dir() });
    expect(await dte.exchange('AT+CPMS?')).toBe(info('+CPMS: "SM",0,50,"SM",0,50,"SM",0,50') + ok);
    expect(fs.readdirSync(dir()).some((f) => f.startsWith('sms-sm.json.damaged'))).toBe(true);
  });
});

describe('without a state dir', () => {
  it('the store lives in memory and survives AT+CFUN=1,1 and a power cycle', async () => {
    dte = await smsDte();
    await deliver(dte, { text: 'keep' });
    await dte.urcs();
    await dte.exchange('AT+CFUN=1,1');
    await dte.settle();
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    await dte.api('POST', '/power', { action: 'reboot' });
    await dte.settle();
    await dte.exchange('AT');
    await dte.exchange('ATE0');
    expect(await dte.exchange('AT+CPMS?')).toBe(info('+CPMS: "SM",1,50,"SM",1,50,"SM",1,50') + ok);
  });
});
