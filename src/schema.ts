/**
 * zod schemas and their problems as the one-line messages every input check of the
 * emulator gives (config file, scenario file, timing profile, modem config, control API
 * bodies). A message either says what something must be (`"tcp" must be a number`) or
 * what is wrong with it (`"tcp": "abc" is not [host:]port`); only the first problem is
 * told, an unknown key before anything else (a typo explains the rest).
 */
import type { z } from 'zod';

/**
 * zod, loaded on first use. Loading it (with every locale it registers) is a large part
 * of a cold start, and the default start checks its flags without it: only a config
 * file, a scenario, a profile file, a modem config or a control API body is parsed with
 * a schema. Modules on the start path therefore build their schemas on first use too
 * (`lazy`, getters), never at load.
 */
let loadedZod: typeof z | undefined;
export function zod(): typeof z {
  return (loadedZod ??= (require('zod') as { z: typeof z }).z);
}

/** `make()`'s value, made on the first call and kept (a schema built only when needed). */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

export type IssuePath = readonly PropertyKey[];

/** Where and what: the first problem of a failed parse. */
export interface Problem {
  path: IssuePath;
  message: string;
}

/** The problem to tell: the first unknown key if there is one, else the first issue. */
export function firstProblem(error: z.ZodError): Problem {
  const issue = error.issues.find((i) => i.code === 'unrecognized_keys') ?? error.issues[0];
  return { path: issue.path, message: issue.message };
}

/**
 * `where` and `message` as one line: a message that says what the thing must be (or
 * needs) reads on from its name; any other message follows a colon.
 */
export function joinProblem(where: string, message: string): string {
  if (where === '') return message;
  return /^(must|needs) /.test(message) ? `${where} ${message}` : `${where}: ${message}`;
}

/** The problem of a failed parse as one line, its path written by `where`. */
export function problemLine(error: z.ZodError, where: (path: IssuePath) => string): string {
  const p = firstProblem(error);
  return joinProblem(where(p.path), p.message.replace(/\s*\n\s*/g, ' '));
}

/**
 * Parses with `schema`; on failure throws `fail(line)`. The one place a schema's
 * verdict becomes an exception, so every format reports the same way.
 */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: (path: IssuePath) => string, fail: (line: string, problem: Problem) => Error): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw fail(problemLine(r.error, where), firstProblem(r.error));
}

/**
 * A value through a check that throws (a parser shared with the command line, a
 * library check): its Error's message becomes the issue, at this value's path.
 */
export function via<I, O>(schema: z.ZodType<I>, convert: (value: I) => O): z.ZodType<O> {
  return schema.transform((value, ctx) => {
    try {
      return convert(value);
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      ctx.issues.push({ code: 'custom', message: err.message, input: value });
      return zod().NEVER;
    }
  });
}

/**
 * An object with exactly these keys: an unknown key is `unknown key "x" (known: …)`
 * (or `unknownKey(x)`), anything but an object is `notObject`.
 */
export function strictObject<S extends z.ZodRawShape>(shape: S, notObject: string, unknownKey?: (key: string) => string) {
  const known = Object.keys(shape).join(', ');
  return zod().strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return unknownKey ? unknownKey(String(iss.keys[0])) : `unknown key "${String(iss.keys[0])}" (known: ${known})`;
      return notObject;
    },
  });
}

/** A file's path as its keys read in messages: `"map"[1]`, `"azureHub": "hostName"`. */
export function fileKeyPath(path: IssuePath): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : ': '}"${String(k)}"`)).join('');
}

/** A path as code writes it: `steps[0].expect.smstate`. */
export function dottedPath(path: IssuePath): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('');
}
