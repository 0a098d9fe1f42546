/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The control page (docs/ui.md) in a real headless Chromium: it loads with no console
 * error, shows a scripted DTE's AT exchange live, a fault button drops the bearer and the
 * state view says so, the C2D form reaches the DTE as +SMPUBLISH, the DTE input (when
 * enabled) types a line, a fleet's overview picks a modem; and a trace recorded by the CLI
 * becomes a page that shows the same lines as its text transcript. Screenshots go to
 * test-artifacts/ (CI keeps them).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { startFleet, type FleetHandle } from '../../src/fleet/fleet';
import { DteClient } from '../../src/client/dteClient';
import { artifact, launchBrowser, type Browser } from '../helpers/browser';
import { killAllClis, runCli, startCli } from '../helpers/cli';
import { online } from '../helpers/mqtt';

jest.setTimeout(60_000);

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

let emu: EmulatorHandle | undefined;
let fleet: FleetHandle | undefined;
let dte: DteClient | undefined;
afterEach(async () => {
  await dte?.close();
  await emu?.stop();
  await fleet?.stop();
  await killAllClis();
  dte = emu = fleet = undefined;
});

/** The console's text for the entry of a command: its rows, as the page shows them. */
const entryRows = (page: Page, line: string) =>
  page.evaluate((l) => {
    const entries = [...document.querySelectorAll('#console .entry')];
    const e = entries.find((x) => x.querySelector('.row.cmd .text')?.textContent === l);
    return e ? [...e.querySelectorAll('.row')].map((r) => `${r.className.replace('row ', '')}: ${r.querySelector('.text')!.textContent}`) : null;
  }, line);

const pillText = (page: Page, key: string) => page.evaluate((k) => document.querySelector(`#state-view [data-k="${k}"]`)?.textContent ?? null, key);

describe('the live page', () => {
  it('loads clean; live AT console; a fault button drops the bearer; the C2D form delivers +SMPUBLISH', async () => {
    emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, control: { port: 0 } });
    dte = emu.connect();
    await dte.ok('AT');
    await dte.ok('ATE0');
    const { page, errors } = await browser.page();
    await page.goto(`${emu.controlUrl}/`); // a browser asking for / lands on /ui/
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await page.waitForSelector('#fault-catalog button[data-fault="bearerDrop"]');
    await page.waitForSelector('#console .entry');

    // A scripted DTE's exchange shows up, with its information line and final result, within a second.
    await dte.ok('AT+CSQ');
    await page.waitForFunction(() => [...document.querySelectorAll('#console .row.cmd .text')].some((x) => x.textContent === 'AT+CSQ'), null, { timeout: 1000 });
    expect(await entryRows(page, 'AT+CSQ')).toEqual(['cmd: AT+CSQ', 'info: +CSQ: 18,0', 'ok: OK']);
    await dte.send('AT+NOPE');
    await page.waitForFunction(() => [...document.querySelectorAll('#console .row.cmd .text')].some((x) => x.textContent === 'AT+NOPE'), null, { timeout: 1000 });
    expect(await entryRows(page, 'AT+NOPE')).toEqual(['cmd: AT+NOPE', 'err: ERROR']);

    // Online, subscribed: the state view shows the bearer with its IP and the session.
    await online(dte, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="CLIENTID","dev-7"']);
    await dte.ok('AT+SMSUB="dev/cmd",1');
    await dte.waitFor('+SMSUB: 1,0');
    await page.waitForFunction(() => document.querySelector('#state-view [data-k="mqtt"]')?.textContent === 'online', null, { timeout: 5000 });
    expect(await pillText(page, 'bearer-1')).toBe('1: connected');
    expect(await page.textContent('#state-view [data-k="bearer-1-ip"]')).toBe('10.89.193.1');

    // The fault button: the DTE sees the bearer go, and so does the page.
    const from = dte.received.length;
    await page.click('#fault-catalog button[data-fault="bearerDrop"]');
    await dte.waitForRaw('\r\n+SAPBR 1: DEACT\r\n', 5000, from);
    await page.waitForFunction(() => document.querySelector('#state-view [data-k="bearer-1"]')?.textContent === 'closed', null, { timeout: 5000 });
    expect(await pillText(page, 'mqtt')).toBe('idle');
    await page.waitForSelector('#timeline svg [data-lane="fault"][data-value="bearerDrop"]');
    await page.waitForFunction(() => [...document.querySelectorAll('#console .row.urc .text')].some((x) => x.textContent === '+SMSTATE: 0'), null, { timeout: 5000 });

    // Back online; a message from the cloud through the form reaches the DTE.
    await dte.ok('AT+SAPBR=1,1');
    await dte.ok('AT+SMCONN');
    await dte.ok('AT+SMSUB="dev/cmd",1');
    expect(await dte.waitFor('+SMSUB:')).toBe('+SMSUB: 1,0'); // a new session numbers from 1 again
    await page.fill('#c2d input[name="topic"]', 'dev/cmd');
    await page.fill('#c2d textarea[name="payload"]', 'reboot');
    await page.click('#c2d button[type="submit"]');
    expect(await dte.waitFor('+SMPUBLISH:')).toBe('+SMPUBLISH: 1,"dev/cmd",6,"reboot"');
    await page.waitForFunction(() => document.querySelector('#topics tr[data-topic="dev/cmd"] td:nth-child(3)')?.textContent === '1', null, { timeout: 5000 });
    await page.waitForFunction(() => [...document.querySelectorAll('#console .row.urc .text')].some((x) => x.textContent === '+SMPUBLISH: 1,"dev/cmd",6,"reboot"'), null, { timeout: 5000 });

    // A lasting fault shows its time left; the filter narrows the console.
    await page.fill('#fault-catalog .fault:has(button[data-fault="brokerSlow"]) input.duration', '30s');
    await page.click('#fault-catalog button[data-fault="brokerSlow"]');
    await page.waitForFunction(() => /^\d+(\.\d)? s left$/.test(document.querySelector('#active-faults [data-active="brokerSlow"] .left')?.textContent ?? ''), null, { timeout: 5000 });
    expect(emu.faults.list().map((f) => f.name)).toEqual(['brokerSlow']);
    await page.fill('#at input[type="search"]', 'SMPUBLISH');
    const shown = await page.$$eval('#console .entry:not(.hidden) .row .text', (xs) => xs.map((x) => x.textContent));
    expect(shown).toEqual(['+SMPUBLISH: 1,"dev/cmd",6,"reboot"']);
    await page.fill('#at input[type="search"]', '');

    await page.screenshot({ path: artifact('ui.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the DTE input: hidden unless enabled; a line typed there is answered and logged', async () => {
    emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, control: { port: 0, dte: true } });
    dte = emu.connect();
    await dte.ok('AT');
    const { page, errors } = await browser.page();
    await page.goto(`${emu.controlUrl}/ui/`);
    await page.waitForSelector('#dte-form:not(.hidden)');
    const from = dte.received.length;
    await page.fill('#dte-line', 'AT+CGMI');
    await page.press('#dte-line', 'Enter');
    await dte.waitForRaw('SIMCOM_Ltd\r\n\r\nOK\r\n', 5000, from);
    await page.waitForFunction(() => [...document.querySelectorAll('#console .row.cmd .text')].some((x) => x.textContent === 'AT+CGMI'), null, { timeout: 5000 });
    expect(errors).toEqual([]);
    await page.close();

    await emu.stop();
    emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, control: { port: 0 } });
    const second = await browser.page();
    await second.page.goto(`${emu.controlUrl}/ui/`);
    await second.page.waitForSelector('#fault-catalog button');
    expect(await second.page.isHidden('#dte-form')).toBe(true);
    await second.page.close();
  });

  it('the SMS and call forms: a message to the device is announced (+CMTI), a call rings', async () => {
    emu = await startEmulator({ tcp: false, brokerPort: 0, brokerTlsPort: false, control: { port: 0 } });
    dte = emu.connect();
    await dte.ok('AT');
    await dte.ok('ATE0');
    const { page, errors } = await browser.page();
    await page.goto(`${emu.controlUrl}/ui/`);
    await page.waitForSelector('#sms button[type="submit"]');
    await page.fill('#sms input[name="from"]', '+31628870634');
    await page.fill('#sms textarea[name="text"]', 'STATUS');
    await page.click('#sms button[type="submit"]');
    expect(await dte.waitFor('+CMTI:')).toBe('+CMTI: "SM",1');
    expect(await dte.ok('AT+CMGF=1')).toEqual([]);
    expect((await dte.ok('AT+CMGR=1'))[1]).toBe('STATUS');
    await page.waitForFunction(() => /^delivered/.test(document.querySelector('#sms .status')?.textContent ?? ''), null, { timeout: 5000 });
    await page.fill('#call input[name="from"]', '+31628870634');
    await page.click('#call button[type="submit"]');
    expect(await dte.waitFor('RING')).toBe('RING');
    await page.waitForFunction(() => [...document.querySelectorAll('#console .row.urc .text')].some((x) => x.textContent === 'RING'), null, { timeout: 5000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a fleet: the overview lists every modem; picking one follows it', async () => {
    fleet = await startFleet({ modems: 3, tcp: { port: 0 }, brokerPort: 0, brokerTlsPort: false, control: { port: 0 } });
    expect(fleet.readyLine).toMatch(/ control=http:\/\/127\.0\.0\.1:\d+ modems=3$/);
    const d1 = await DteClient.connectTcp(fleet.endpoints.tcp![1].port);
    try {
      await d1.ok('AT');
      await d1.ok('AT+CSQ');
      const { page, errors } = await browser.page();
      await page.goto(`${fleet.controlUrl}/ui/`);
      await page.waitForFunction(() => document.querySelectorAll('#overview tbody tr').length === 3, null, { timeout: 5000 });
      await page.waitForFunction(() => document.querySelector('#overview tr[data-modem="1"] td:nth-child(3)')?.textContent === 'attached', null, { timeout: 5000 });
      expect(await page.textContent('#overview tr[data-modem="0"] td:nth-child(3)')).toBe('detached');
      await page.click('#overview tr[data-modem="1"]');
      await page.waitForFunction(() => [...document.querySelectorAll('#console .row.cmd .text')].some((x) => x.textContent === 'AT+CSQ'), null, { timeout: 5000 });
      expect(await page.textContent('header .label')).toBe(`modem 1: tcp 127.0.0.1:${fleet.endpoints.tcp![1].port}`);
      expect(await page.inputValue('#modem-picker')).toBe('1');
      await page.screenshot({ path: artifact('ui-fleet.png'), fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await d1.close();
    }
  });
});

describe('a trace as a page', () => {
  it('recorded by the CLI, turned into HTML and text: the page opens offline and shows the same lines', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ui-trace-'));
    const file = path.join(dir, 'run.trace');
    const cli = await startCli(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--broker-tls-port', 'off', '--trace', file, '--log-level', 'warn']);
    const d = await DteClient.connectTcp(cli.port);
    await d.ok('AT');
    await d.ok('AT+CREG=1');
    await online(d, ['AT+SMCONF="CLEANSS",1', 'AT+SMCONF="USERNAME","u"', 'AT+SMCONF="PASSWORD","hunter2"']);
    await d.ok('AT+SMSUB="dev/#",1');
    await d.waitFor('+SMSUB: 1,0');
    await d.ok('AT+SMPUB="dev/up",1,0,"{\\"t\\":21}"');
    await d.waitFor('+SMPUBLISH:');
    await d.send('AT+BOGUS');
    await d.close();
    expect((await cli.stop()).code).toBe(0);

    const html = artifact('trace.html');
    const r = await runCli(['trace', file, '--html', html, '--text']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('hunter2');
    // The text transcript's AT lines: commands and URCs, in order.
    const textLines = [...r.stdout.matchAll(/^ +[\d.]+ {2}(AT|URC) +(.*?)(?: -> .*)?$/gm)].map((m) => m[2]);
    expect(textLines).toContain('AT+SMCONF="PASSWORD",***');
    expect(textLines).toContain('+SMPUBLISH: 1,"dev/up",8,"{"t":21}"');

    const { page, errors } = await browser.page();
    await page.goto(`file://${html}`);
    await page.waitForSelector('#console .entry');
    const pageLines = await page.$$eval('#console .entry', (es) => es.map((e) => e.querySelector('.row.cmd .text, .row.urc .text')!.textContent));
    expect(pageLines).toEqual(textLines);
    expect(await page.$$eval('#timeline svg [data-lane="mqtt"]', (xs) => xs.map((x) => x.getAttribute('data-value')))).toEqual(['idle', 'connecting', 'online', 'idle']);
    expect(await page.textContent('#topics tr[data-topic="dev/up"] td:nth-child(2)')).toBe('1');
    expect(await page.$$eval('#wire .row.rx .text', (xs) => xs.map((x) => x.textContent).join(''))).toContain('AT+SMCONF="PASSWORD",***\\r');
    await page.screenshot({ path: artifact('trace.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
