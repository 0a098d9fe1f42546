/**
 * Checking what people and files hand us: fault parameters and durations. The control
 * API, the library and scenario files all go through here, so a bad value gets the same
 * one-line message everywhere (HTTP 400, exit 2, a thrown FaultError).
 */

/** A value the caller got wrong; the message names it and says what is allowed (HTTP 400). */
export class InputError extends Error {}
/** A bad fault name, parameter or duration. */
export class FaultError extends InputError {}

export type ParamSpec =
  | { type: 'number'; min: number; max: number; integer?: boolean; /** Allowed besides the range (CSQ's 99). */ also?: readonly number[]; default: number; doc: string }
  | { type: 'enum'; values: readonly string[]; default: string; doc: string };

export type ParamTable = Readonly<Record<string, ParamSpec>>;
export type ParamValues = Record<string, number | string>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkOne(spec: ParamSpec, value: unknown, label: string): number | string {
  if (spec.type === 'enum') {
    if (typeof value !== 'string' || !spec.values.includes(value)) throw new FaultError(`${label} must be one of ${spec.values.join(', ')}`);
    return value;
  }
  const allowed = `${spec.integer ? 'an integer' : 'a number'} from ${spec.min} to ${spec.max}${spec.also?.length ? ` or ${spec.also.join(', ')}` : ''}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FaultError(`${label} must be ${allowed}`);
  if (spec.also?.includes(value)) return value;
  if (value < spec.min || value > spec.max || (spec.integer && !Number.isInteger(value))) throw new FaultError(`${label} must be ${allowed}`);
  return value;
}

/** Defaults filled in, unknown keys refused. */
export function checkParams(table: ParamTable, input: unknown, label: string): ParamValues {
  if (input !== undefined && input !== null && !isObject(input)) throw new FaultError(`${label}: params must be an object`);
  const given = (input ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in table)) {
      const known = Object.keys(table);
      throw new FaultError(`${label}: unknown parameter "${key}" (${known.length ? `known: ${known.join(', ')}` : 'it takes none'})`);
    }
  }
  const out: ParamValues = {};
  for (const [key, spec] of Object.entries(table)) out[key] = key in given ? checkOne(spec, given[key], `${label}: "${key}"`) : spec.default;
  return out;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `"5s"`, `"250ms"`, `"1.5m"`, `"2h"` or a number of milliseconds; at most a day. */
export function parseDuration(value: unknown, label: string): number {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h)\s*$/.exec(value);
    if (!m) throw new FaultError(`${label}: "${value}" is not a duration (e.g. 500ms, 5s, 1.5m)`);
    ms = Number(m[1]) * UNITS[m[2]];
  } else throw new FaultError(`${label} must be a duration (e.g. 500ms, 5s) or a number of milliseconds`);
  if (!Number.isFinite(ms) || ms < 0 || ms > 86_400_000) throw new FaultError(`${label} must be between 0 and 24h`);
  return Math.round(ms);
}
