/**
 * Secrets and logs: the device key in an AT+SAZURECONF line is masked in every quoting
 * firmware uses, and even a handler that throws (the engine's error log) shows the line
 * masked. (The CLI run in cli.test.ts checks a whole session's trace log.)
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildTable } from '../../src/at/command';
import { DteClient } from '../../src/client/dteClient';
import { redactLine } from '../../src/log';
import { assembleModem } from '../../src/emulator';
import { InProcessPort } from '../../src/transport/inProcess';
import { HOST, KEY } from './helpers';

it.each([
  [`AT+SAZURECONF="${HOST}:8883","dev","${KEY}",60`, `AT+SAZURECONF="${HOST}:8883","dev",***,60`],
  [`AT+SAZURECONF=${HOST}:8883,dev,${KEY},60`, `AT+SAZURECONF=${HOST}:8883,dev,***,60`],
  [`AT+sazureconf = "${HOST}:8883" , "dev" , "${KEY}" ,60;+CSQ`, `AT+sazureconf = "${HOST}:8883" , "dev" , *** ,60;+CSQ`],
])('the AT line log masks the key: %s', (line, masked) => {
  expect(redactLine(line)).toBe(masked);
});

it('a handler that throws: the engine logs the line masked', async () => {
  let out = '';
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => void ((out += chunk.toString()), done()) });
  const thrower = { name: '+SAZURECONF', writeRaw: () => Promise.reject(new Error('boom')) };
  const modem = assembleModem({ catalog: { table: buildTable([thrower]), features: [] }, log: pino({ level: 'trace' }, sink) });
  const dte = new DteClient(new InProcessPort(modem));
  try {
    await dte.send('AT');
    expect((await dte.send(`AT+SAZURECONF="${HOST}:8883","dev","${KEY}",60`)).final).toBe('ERROR');
    expect(out).toContain('command handler failed');
    expect(out).toContain('***');
    expect(out).not.toContain(KEY);
  } finally {
    await dte.close();
    modem.powerDown();
  }
});
