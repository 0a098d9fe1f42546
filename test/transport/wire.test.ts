/**
 * One Wire interface for every transport: built by name from the registry with the same
 * arguments (modem, options, log), open() resolves to where the DTE reaches it, close()
 * lets everything go and the modem is free for the next wire.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { MockBinding } from '@serialport/binding-mock';
import { assembleModem } from '../../src/emulator';
import { silentLogger } from '../../src/log';
import { createWire, WIRES, type WireName, type WireOptions } from '../../src/transport/wires';
import { connectRaw, readUntil } from './wireWait';

const modemFor = () => assembleModem();

describe('the wire registry', () => {
  it('names every transport', () => {
    expect(Object.keys(WIRES).sort()).toEqual(['in-process', 'pty', 'serial', 'stdio', 'tcp']);
  });

  it('each wire attaches the modem on open, frees it on close, and gives its ready-line field', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-wire-'));
    MockBinding.reset();
    MockBinding.createPort('/dev/ttyMOCK0', { record: true });
    const options: { [N in WireName]: WireOptions[N] } = {
      tcp: { host: '127.0.0.1', port: 0 },
      stdio: { input: new PassThrough(), output: new PassThrough() },
      pty: { link: path.join(dir, 'ttySIM800') },
      serial: { path: '/dev/ttyMOCK0', binding: MockBinding },
      'in-process': {},
    };
    const fields: Record<string, string | null> = {};
    try {
      for (const name of Object.keys(WIRES) as WireName[]) {
        const modem = modemFor();
        const wire = createWire(name, modem, options[name] as never, silentLogger);
        const endpoint = await wire.open();
        fields[name] = (WIRES[name].readyField as (e: unknown) => string | null)(endpoint);
        // TCP attaches when a DTE connects; every other wire at once.
        if (name === 'tcp') {
          const s = await connectRaw((endpoint as { port: number }).port);
          const reply = readUntil(s, 'OK\r\n');
          s.write('AT\r');
          expect(await reply).toBe('AT\r\r\nOK\r\n');
          s.destroy();
        } else expect(modem.dteConnected).toBe(true);
        await wire.close();
        expect(modem.dteConnected).toBe(false);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(fields).toEqual({
      tcp: expect.stringMatching(/^tcp=127\.0\.0\.1:\d+$/),
      stdio: 'stdio',
      pty: `pty=${path.join(dir, 'ttySIM800')}`,
      serial: 'serial=/dev/ttyMOCK0@115200',
      'in-process': null,
    });
  });
});
