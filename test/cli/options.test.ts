/**
 * The option table (src/options/table.ts) as the single source: docs/cli.md's table,
 * commander's flags and the config file's keys all follow it, and the library's options
 * (EmulatorOptions) are checked against it at the type level.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import type { EmulatorOptions } from '../../src/emulator';
import { addFlags, configFileSchema, OPTIONS, optionsDocTable, type Settings } from '../../src/options';
import { tableIn } from '../../src/options/docs';
import { parseConfigText, settingsFromFlags, toEmulatorOptions, UsageError } from '../../src/cli/config';

const DOC = path.resolve(__dirname, '..', '..', 'docs', 'cli.md');

describe('the option table', () => {
  it('docs/cli.md shows exactly the declared options (npm run docs:options rewrites it)', () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    expect(tableIn(doc)).toBe(optionsDocTable());
  });

  it('the docs table has one row per declared option, and a row names the flag and the key', () => {
    const rows = optionsDocTable().split('\n').slice(2);
    expect(rows).toHaveLength(OPTIONS.length);
    expect(rows.find((r) => r.startsWith('| `--broker-port <n>` | `brokerPort`: number |'))).toBeDefined();
  });

  it('commander gets every flag, under the settings key it is declared with', () => {
    const program = addFlags(new Command());
    const byAttribute = program.options.map((o) => o.attributeName());
    const flagged = OPTIONS.filter((o) => 'flag' in o && o.flag !== undefined);
    expect(byAttribute).toEqual(flagged.map((o) => o.key));
    expect(program.options.map((o) => o.long)).toEqual(flagged.map((o) => ('flag' in o ? o.flag : '')));
  });

  it('the config file takes exactly the keys declared for it', () => {
    expect(Object.keys(configFileSchema().shape)).toEqual(OPTIONS.filter((o) => 'file' in o && o.file !== undefined).map((o) => o.key));
    // Command-line-only options are no file keys.
    expect(() => parseConfigText('{"scenario": "s.yaml"}', 'c.json')).toThrow(/^c\.json: unknown key "scenario"/);
  });

  it('a declaration gives both forms: --broker-auth and "brokerAuth" read the same, flags win', () => {
    const flag = settingsFromFlags({ brokerAuth: 'dev:pa:ss' });
    expect(flag.brokerAuth).toEqual({ username: 'dev', password: 'pa:ss' });
    expect(parseConfigText('{"brokerAuth": "dev:pa:ss"}', 'c.json').brokerAuth).toEqual({ username: 'dev', password: 'pa:ss' });
    expect(toEmulatorOptions(flag).brokerAuth).toEqual({ username: 'dev', password: 'pa:ss' });
    expect(() => settingsFromFlags({ brokerAuth: 'nopassword' })).toThrow(new UsageError('--broker-auth must be user:password (both parts non-empty)'));
    expect(() => parseConfigText('{"brokerAuth": ":x"}', 'c.json')).toThrow(new UsageError('c.json: "brokerAuth" must be user:password (both parts non-empty)'));
    expect(() => parseConfigText('{"brokerAuth": 5}', 'c.json')).toThrow(new UsageError('c.json: "brokerAuth" must be a string'));
    expect(() => settingsFromFlags({ brokerAuth: 'a:b', azureHub: ['d:a2V5'] })).toThrow(
      new UsageError("--azure-hub and --broker-auth cannot be used together: the hub stand-in checks each device's SAS token itself"),
    );
  });

  it('a bad value never shows the password it came with', () => {
    let message = '';
    try {
      settingsFromFlags({ brokerAuth: 'topsecret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^--broker-auth /);
    expect(message).not.toContain('topsecret');
  });
});

// ---- the library's options against the table (checked by tsc) ----------------------

/**
 * Every EmulatorOptions field, said once: fed by an option of the table, or the
 * library's alone. A field added to EmulatorOptions without a line here does not compile.
 */
const LIBRARY_FIELDS: Record<keyof EmulatorOptions, 'table' | 'library only'> = {
  tcp: 'table',
  stdio: 'table',
  pty: 'table',
  serial: 'table',
  line: 'table',
  pace: 'table',
  modem: 'table',
  stateDir: 'table',
  resetOnConnect: 'table',
  profile: 'table',
  seed: 'table',
  clock: 'library only',
  control: 'table',
  logger: 'table',
  broker: 'table',
  brokerPort: 'table',
  brokerAuth: 'table',
  map: 'table',
  cipMqttPorts: 'table',
  azureHub: 'table',
  brokerTlsPort: 'table',
  brokerCa: 'table',
  exportCa: 'table',
  atLogSize: 'library only',
  trace: 'table',
};

/** The options the CLI hands to the library as they are: same value type on both sides. */
type PassThrough = 'stateDir' | 'seed' | 'resetOnConnect' | 'modem' | 'broker' | 'brokerPort' | 'brokerTlsPort' | 'brokerAuth' | 'exportCa' | 'map' | 'azureHub' | 'pty' | 'pace';
type SameType<K extends PassThrough> = NonNullable<Settings[K]> extends NonNullable<EmulatorOptions[K]> ? true : never;
const PASS_THROUGH: { [K in PassThrough]: SameType<K> } = {
  stateDir: true,
  seed: true,
  resetOnConnect: true,
  modem: true,
  broker: true,
  brokerPort: true,
  brokerTlsPort: true,
  brokerAuth: true,
  exportCa: true,
  map: true,
  azureHub: true,
  pty: true,
  pace: true,
};

describe('EmulatorOptions and the table', () => {
  const libraryHeads = new Set(OPTIONS.flatMap((o) => ('library' in o && o.library ? o.library.split(/,\s*/).map((l) => l.split(/[.\s]/)[0]) : [])));

  it('every library field the table feeds is named by an option\'s "library", and no other', () => {
    for (const [field, source] of Object.entries(LIBRARY_FIELDS)) {
      expect([field, libraryHeads.has(field)]).toEqual([field, source === 'table']);
    }
  });

  it('pass-through options keep their type (tsc checks PASS_THROUGH)', () => {
    expect(Object.values(PASS_THROUGH).every((v) => v === true)).toBe(true);
  });
});
