/**
 * The CLI's settings rules (src/cli/config.ts): flag values, the config file format,
 * precedence, and the options handed to startEmulator().
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  loadConfigFile,
  mergeSettings,
  parseConfigText,
  parseListenAddress,
  settingsFromFlags,
  toEmulatorOptions,
  UsageError,
} from '../../src/cli/config';

const EXAMPLE = path.resolve(__dirname, '..', '..', 'fixtures', 'config.example.json');

describe('parseListenAddress', () => {
  it.each([
    ['2323', { host: '127.0.0.1', port: 2323 }],
    ['0', { host: '127.0.0.1', port: 0 }],
    ['0.0.0.0:2323', { host: '0.0.0.0', port: 2323 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:2323', { host: '::1', port: 2323 }],
  ])('%s', (text, want) => {
    expect(parseListenAddress(text, '--tcp')).toEqual(want);
  });

  it.each(['abc', '', '65536', 'host:', ':2323', 'a b:1', '::1:2323', '1.2.3.4:-1'])('rejects %j with the flag name', (text) => {
    expect(() => parseListenAddress(text, '--tcp')).toThrow(new UsageError(`--tcp: "${text}" is not [host:]port`));
  });
});

describe('settingsFromFlags', () => {
  it('--tcp alone means the default address', () => {
    expect(settingsFromFlags({ tcp: true }).tcp).toEqual({ host: '127.0.0.1', port: 2323 });
  });

  it('refuses --stdio with --tcp: one wire', () => {
    expect(() => settingsFromFlags({ stdio: true, tcp: '0' })).toThrow(/--stdio and --tcp cannot be used together/);
  });

  it.each([
    [{ logLevel: 'loud' }, '--log-level: "loud" is not one of fatal, error, warn, info, debug, trace, silent'],
    [{ profile: 'fast' }, '--profile: "fast" is not one of instant, realistic'],
    [{ brokerPort: '70000' }, '--broker-port: "70000" is not a port number (0..65535, 0 = any free port)'],
    [{ brokerPort: 'x1' }, '--broker-port: "x1" is not a port number (0..65535, 0 = any free port)'],
    [{ stateDir: ' ' }, '--state-dir: the value is empty'],
  ])('%j → %s', (flags, message) => {
    expect(() => settingsFromFlags(flags)).toThrow(new UsageError(message));
  });

  it('passes broker, port and repeated maps through', () => {
    const s = settingsFromFlags({ broker: 'mqtt://h:1', brokerPort: '0', map: ['a=b:1', 'c:2=d:3'] });
    expect(s).toEqual({ broker: 'mqtt://h:1', brokerPort: 0, map: ['a=b:1', 'c:2=d:3'] });
  });
});

describe('config file', () => {
  it('reads the example file (fixtures/config.example.json)', () => {
    const s = loadConfigFile(EXAMPLE);
    expect(s.tcp).toEqual({ host: '127.0.0.1', port: 2323 });
    expect(s.profile).toBe('realistic');
    expect(s.brokerPort).toBe(1883);
    expect(s.map).toEqual(['broker.example.com:8883=127.0.0.1:1883']);
    expect(s.modem?.model).toBe('SIMCOM_SIM800C');
    // A relative state dir is taken relative to the file, not to the working directory.
    expect(s.stateDir).toBe(path.join(path.dirname(EXAMPLE), 'sim800-state'));
  });

  it('docs/cli.md shows the same example file', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8');
    const block = /```json\n([\s\S]*?)```/.exec(doc);
    expect(block).not.toBeNull();
    expect(JSON.parse(block![1])).toEqual(JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')));
  });

  it.each([
    ['{"tcp": "abc"}', 'c.json: "tcp": "abc" is not [host:]port'],
    ['{"tcp": 2323}', 'c.json: "tcp" must be a non-empty string'],
    ['{"resetOnConnect": "yes"}', 'c.json: "resetOnConnect" must be true or false'],
    ['{"brokerPort": "1883"}', 'c.json: "brokerPort" must be a number'],
    ['{"brokerPort": 1.5}', 'c.json: "brokerPort": "1.5" is not a port number (0..65535, 0 = any free port)'],
    ['{"map": "a=b:1"}', 'c.json: "map" must be an array of strings'],
    ['{"map": ["a=b:1", 7]}', 'c.json: "map"[1] must be a non-empty string'],
    ['{"logLevel": "loud"}', 'c.json: "logLevel": "loud" is not one of fatal, error, warn, info, debug, trace, silent'],
    ['{"modem": {"imei": 5}}', 'c.json: "modem": modem setting "imei" must be a string'],
    ['{"modem": {"colour": "red"}}', 'c.json: "modem": unknown modem setting "colour"'],
    ['{"modem": {"ipr": 1234}}', 'c.json: "modem": modem setting "ipr" must be one of 0, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800'],
    ['[1]', 'c.json: must hold a JSON object'],
  ])('%s → %s', (text, message) => {
    expect(() => parseConfigText(text, 'c.json')).toThrow(new UsageError(message));
  });

  it('an unknown key: the message lists the known ones (the list grows with every family)', () => {
    expect(() => parseConfigText('{"tcp": "127.0.0.1:1", "colour": 1}', 'c.json')).toThrow(/^c\.json: unknown key "colour" \(known: tcp, stateDir, (\w+, )*modem(, \w+)*\)$/);
  });

  it('reports bad JSON on one line', () => {
    let message = '';
    try {
      parseConfigText('{\n  "tcp": \n}', 'c.json');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^c\.json: invalid JSON: .+/);
    expect(message).not.toContain('\n');
  });

  it('names an unreadable file', () => {
    const missing = path.join(os.tmpdir(), 'sim800-no-such-dir', 'x.json');
    expect(() => loadConfigFile(missing)).toThrow(new UsageError(`--config: cannot read "${missing}": ENOENT`));
  });

  it('an empty object is a valid file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim800-cfg-'));
    try {
      fs.writeFileSync(path.join(dir, 'c.json'), '{}');
      expect(loadConfigFile(path.join(dir, 'c.json'))).toEqual({});
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('merging and options', () => {
  const file = parseConfigText('{"tcp": "10.0.0.1:23", "profile": "realistic", "resetOnConnect": true, "modem": {"ati": "X"}}', 'c.json');

  it('flags override the file, key by key', () => {
    const m = mergeSettings(file, settingsFromFlags({ profile: 'instant' }));
    expect(m).toEqual({ tcp: { host: '10.0.0.1', port: 23 }, profile: 'instant', resetOnConnect: true, modem: { ati: 'X' } });
  });

  it('--stdio replaces the file\'s TCP listener (one wire)', () => {
    const m = mergeSettings(file, settingsFromFlags({ stdio: true }));
    expect(m.tcp).toBeUndefined();
    expect(toEmulatorOptions(m).tcp).toBe(false);
  });

  it('turns settings into EmulatorOptions', () => {
    const opts = toEmulatorOptions(mergeSettings(file, settingsFromFlags({ brokerPort: '0', map: ['a=b:1'] })));
    expect(opts).toEqual({
      tcp: { host: '10.0.0.1', port: 23 },
      profile: 'realistic',
      resetOnConnect: true,
      modem: { ati: 'X' },
      brokerPort: 0,
      map: ['a=b:1'],
      stateDir: undefined,
      broker: undefined,
    });
  });

  it('no transport named: TCP left to the library default', () => {
    expect(toEmulatorOptions({}).tcp).toBeUndefined();
  });
});
