/**
 * What the option table (./table.ts) gives: commander's options, the command line's
 * values checked, the config file's schema, the merge of file and flags, and the
 * docs/cli.md table. Nothing here names a particular option except the wires rule
 * (one modem, one wire), which is about several options at once.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import type { z } from 'zod';
import { UsageError } from '../optionError';
import { fileKeyPath, joinProblem, lazy, parseOrThrow, zod } from '../schema';
import { OPTIONS, WIRES, type AnyOption, type OptionDecl, type Settings } from './table';
import type { FlagValue } from './values';

export { OPTIONS, WIRES, DEFAULT_TCP, flagOf, optionByKey, type Settings, type OptionDecl } from './table';
export { listenAddress, ValueProblem, type HostPort } from './values';

const all = OPTIONS as readonly OptionDecl[];
const flagged = all.filter((o) => o.flag !== undefined);

/** What commander hands over for the flags, by settings key. */
export type RawFlags = { [D in AnyOption as D extends { flag: string } ? D['key'] : never]?: FlagValue | boolean };

/** `--tcp [host:port]`: the flag and its argument as commander (and --help) write it. */
export function flagSpec(o: OptionDecl): string {
  return o.kind.arg ? `${o.flag} ${o.kind.arg}` : o.flag!;
}

/** The table's flags on a commander program (values stay text: checked by settingsFromFlags). */
export function addFlags(program: Command): Command {
  const collect = (value: string, prev: string[] = []) => [...prev, value];
  for (const o of flagged) {
    if (o.kind.repeatable) program.option(flagSpec(o), o.help, collect);
    else program.option(flagSpec(o), o.help);
  }
  return program;
}

const given = (raw: Record<string, unknown>, key: string) => raw[key] !== undefined && raw[key] !== false;

/** The line for a flag's bad value, thrown as the OptionError the CLI turns into exit 2. */
function flagError(o: OptionDecl, message: string): UsageError {
  return new UsageError(joinProblem(o.flag!, message), o.flag);
}

/** Rules between flags: one wire; what an option needs or cannot go with. */
function checkRelations(raw: Record<string, unknown>): void {
  const wires = WIRES.filter((w) => given(raw, w));
  if (wires.length > 1) throw new UsageError(`${wires.map((w) => `--${w}`).join(' and ')} cannot be used together: one modem has one wire`, `--${wires[1]}`);
  for (const o of flagged) {
    if (!given(raw, o.key)) continue;
    for (const [other, why] of o.needs ?? []) {
      const need = all.find((x) => x.key === other)!;
      if (!given(raw, other)) throw new UsageError(`${o.flag} needs ${need.flag}${why ? `: ${why}` : ''}`, o.flag);
    }
    for (const [other, why] of o.conflicts ?? []) {
      const them = all.find((x) => x.key === other)!;
      if (given(raw, other)) throw new UsageError(`${them.flag} and ${o.flag} cannot be used together: ${why}`, o.flag);
    }
  }
}

/** Checks the command line's values; the config file is read separately. Throws OptionError. */
export function settingsFromFlags(raw: RawFlags): Settings {
  const r = raw as Record<string, unknown>;
  checkRelations(r);
  const out: Record<string, unknown> = {};
  for (const o of flagged) {
    const v = r[o.key];
    if (v === undefined || v === false || (Array.isArray(v) && v.length === 0)) continue;
    try {
      out[o.key] = o.kind.fromFlag(v as FlagValue);
    } catch (err) {
      if (err instanceof Error) throw flagError(o, err.message);
      throw err;
    }
  }
  return out as Settings;
}

const inFile = all.filter((o) => o.file !== undefined);

/** The config file: one object, each key as its option's kind reads JSON; nothing else. Built when a file is read. */
export const configFileSchema = lazy(() =>
  zod().strictObject(Object.fromEntries(inFile.map((o) => [o.key, o.kind.file.optional()])) as Record<string, z.ZodOptional<z.ZodType>>, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown key "${String(iss.keys[0])}" (known: ${inFile.map((o) => o.key).join(', ')})` : 'must hold a JSON object'),
  }),
);

/**
 * A config file's content, checked; `name` starts every message so the user knows where
 * to look, file names in it are taken relative to `dir`. Throws OptionError.
 */
export function settingsFromFile(data: unknown, name: string, dir = '.'): Settings {
  const parsed = parseOrThrow(
    configFileSchema(),
    data,
    (p) => (p.length === 0 ? name : `${name}: ${fileKeyPath(p)}`),
    (line, problem) => new UsageError(line, String(problem.path[0] ?? name)),
  ) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const o of inFile) {
    const v = parsed[o.key];
    if (v === undefined) continue;
    // A file and the files it names can move together.
    out[o.key] = o.file === 'path' ? path.resolve(dir, v as string) : v;
  }
  return out as Settings;
}

/**
 * Flags override the file, key by key. A wire named on the command line replaces the
 * file's: `--stdio` with a file that sets `tcp` means stdio only (one wire).
 */
export function mergeSettings(file: Settings, flags: Settings): Settings {
  const merged: Record<string, unknown> = { ...file };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) merged[k] = v;
  const f = flags as Record<string, unknown>;
  if (WIRES.some((w) => f[w] !== undefined)) for (const w of WIRES) if (f[w] === undefined) delete merged[w];
  return merged as Settings;
}

// ---- the docs -----------------------------------------------------------------------

const cell = (s: string | undefined) => (s ?? '').replace(/\|/g, '\\|');

/** docs/cli.md's option table, one row per option, as the table declares it. */
export function optionsDocTable(): string {
  const rows = all.map((o) => {
    const flag = o.flag ? `\`${flagSpec(o)}\`` : '';
    const key = o.file ? `\`${o.key}\`: ${o.kind.fileType}${o.file === 'path' ? ', relative to the config file' : ''}` : '';
    // The relations the command line checks, said where the option is.
    const needs = (o.needs ?? []).map(([k]) => ` Needs \`${all.find((x) => x.key === k)!.flag}\`.`).join('');
    const not = (o.conflicts ?? []).map(([k]) => ` Not with \`${all.find((x) => x.key === k)!.flag}\`.`).join('');
    return `| ${flag} | ${cell(key)} | ${o.library ? `\`${o.library}\`` : ''} | ${cell(o.default)} | ${cell((o.doc ?? o.help) + needs + not)} | ${cell(o.example)} |`;
  });
  return ['| flag | config file key | library option | default | meaning | example |', '|---|---|---|---|---|---|', ...rows].join('\n');
}
