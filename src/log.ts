/**
 * Logging with pino: pretty on a terminal, JSON otherwise, always on stderr (stdout
 * carries the ready line, and with --stdio the modem's own bytes). Secrets never reach
 * a log unredacted: redactLine() masks them inside AT lines, and pino's redact paths
 * mask them inside structured fields.
 *
 * pino itself (about 30 modules, with worker_threads and its stream) is loaded when a
 * logger first writes a line at its level, not when it is made: a start at `warn` that
 * logs nothing never loads it (docs/architecture.md, start-up).
 */
import type { Logger, LoggerOptions, ChildLoggerOptions, Bindings } from 'pino';
import { withoutSpaces } from './lineText';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const REDACT_PATHS = ['password', '*.password', 'deviceKey', '*.deviceKey', 'sasToken', '*.sasToken', 'token', '*.token'];

/** pino's own level numbers; `silent` writes nothing. */
const LEVEL_VALUES: Record<string, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Infinity };
/** pino's number for `debug`: a logger writes debug lines when its `levelVal` is at most this. */
export const DEBUG_LEVEL = LEVEL_VALUES.debug;

type Pino = typeof import('pino');
let loadedPino: Pino | undefined;
const pino = (): Pino => (loadedPino ??= require('pino') as Pino);

/**
 * A pino logger made on first need: a call at an enabled level, a child of it that
 * writes, or any member beyond the ones below. Calls at disabled levels return at once,
 * as pino's own no-ops do; once made, every call goes to the pino logger, so what is
 * written (fields, redaction, time, destination) is pino's. Children are deferred too and
 * are made from their parent's pino logger, as `child()` would have made them.
 *
 * It has the members this code base and pino's own API most use (the six level methods,
 * `silent`, `child`, `isLevelEnabled`, `level`, `levelVal`, `bindings`, `setBindings`,
 * `flush`); a caller needing more passes its own pino logger (the library's `logger`).
 */
class DeferredLogger {
  private made: Logger | undefined;
  private levelName: string;
  private value: number;

  constructor(
    private readonly make: () => Logger,
    level: string,
  ) {
    this.levelName = level;
    this.value = LEVEL_VALUES[level] ?? LEVEL_VALUES.info;
  }

  /** The pino logger, made now if it was not yet. */
  private real(): Logger {
    if (this.made === undefined) {
      this.made = this.make();
      if (this.made.level !== this.levelName) this.made.level = this.levelName;
    }
    return this.made;
  }

  get level(): string {
    return this.levelName;
  }

  set level(level: string) {
    this.real().level = level;
    this.levelName = level;
    this.value = LEVEL_VALUES[level] ?? this.real().levelVal;
  }

  get levelVal(): number {
    return this.value;
  }

  /** As pino answers it: a known level at or above the logger's. */
  isLevelEnabled(level: string): boolean {
    const v = LEVEL_VALUES[level];
    return v !== undefined && v >= this.value;
  }

  fatal(...args: unknown[]): void {
    if (this.value <= 60) (this.real().fatal as (...a: unknown[]) => void)(...args);
  }

  error(...args: unknown[]): void {
    if (this.value <= 50) (this.real().error as (...a: unknown[]) => void)(...args);
  }

  warn(...args: unknown[]): void {
    if (this.value <= 40) (this.real().warn as (...a: unknown[]) => void)(...args);
  }

  info(...args: unknown[]): void {
    if (this.value <= 30) (this.real().info as (...a: unknown[]) => void)(...args);
  }

  debug(...args: unknown[]): void {
    if (this.value <= 20) (this.real().debug as (...a: unknown[]) => void)(...args);
  }

  trace(...args: unknown[]): void {
    if (this.value <= 10) (this.real().trace as (...a: unknown[]) => void)(...args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return new DeferredLogger(() => this.real().child(bindings, options), options?.level ?? this.levelName) as unknown as Logger;
  }

  bindings(): Bindings {
    return this.real().bindings();
  }

  setBindings(bindings: Bindings): void {
    this.real().setBindings(bindings);
  }

  /** Nothing was written while the logger is unmade, so there is nothing to flush. */
  flush(cb?: (err?: Error) => void): void {
    if (this.made) this.made.flush(cb);
    else cb?.();
  }
}

/**
 * A pino logger (deferred, see DeferredLogger) at `level`, on stderr; pretty (pino-pretty)
 * by default when stderr is a terminal. That is asked when the logger is made: reading
 * process.stderr builds its stream (a socket for a pipe), which a start that logs nothing
 * before its ready line need not do.
 */
export function createLogger(level: LogLevel = 'info', pretty?: boolean): Logger {
  return new DeferredLogger(() => {
    const options: LoggerOptions = { level, redact: { paths: REDACT_PATHS, censor: '***' } };
    if ((pretty ?? process.stderr.isTTY === true) && level !== 'silent') return pino()({ ...options, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
    return pino()(options, pino().destination(2));
  }, level) as unknown as Logger;
}

/** The logger of a library user who passed none: writes nothing, and never loads pino for it. */
export const silentLogger: Logger = new DeferredLogger(() => pino()({ level: 'silent' }), 'silent') as unknown as Logger;

/**
 * `log.child(bindings)`, except that the silent logger (what a library user who passes
 * none gets) is its own child: nothing it logs is written, so bindings would only cost a
 * logger object per modem, session and connection (about 0.3 KB each in a fleet).
 */
export function childLogger(log: Logger, bindings: Record<string, unknown>): Logger {
  return log === silentLogger ? log : log.child(bindings);
}

const MAY_HOLD_SECRET = /SMCONF|SAZURECONF|SAPBR|SSLSETCERT|HTTPPARA|CSTT/i;

/**
 * Whether a command line (or the start of one) names a command whose arguments
 * redactLine() masks: a stream that records a line as it arrives holds the rest of such
 * a line back until it is whole (src/trace/redact.ts). The name comes before the secret.
 */
export function mayHoldSecret(line: string): boolean {
  return MAY_HOLD_SECRET.test(line.includes(' ') ? withoutSpaces(line) : line);
}

/** Group 1: what comes before a secret; group 2: the secret (a quoted string or the text up to `;`/`,`). */
const SECRETS = [
  /(\+SMCONF\s*=\s*"?PASSWORD"?\s*,\s*)("(?:[^"\\]|\\.)*"|[^;]*)/gi,
  /(\+SAZURECONF\s*=\s*(?:"[^"]*"|[^,;]*)\s*,\s*(?:"[^"]*"|[^,;]*)\s*,\s*)("[^"]*"|[^,;]*)/gi,
  /(\+SAPBR\s*=\s*0*3\s*,\s*\d+\s*,\s*"?PWD"?\s*,\s*)("[^"]*"|[^;]*)/gi,
  /(\+SSLSETCERT\s*=\s*(?:"[^"]*"|[^,;]*)\s*,\s*)("[^"]*"|[^;]*)/gi,
  /(\+HTTPPARA\s*=\s*"?USERDATA"?\s*,\s*)("(?:[^"\\]|\\.)*"|[^;]*)/gi,
  /(\+CSTT\s*=\s*(?:"[^"]*"|[^,;]*)\s*,\s*(?:"[^"]*"|[^,;]*)\s*,\s*)("[^"]*"|[^;]*)/gi,
];

/**
 * Masks secret arguments inside an AT command line: SMCONF PASSWORD values, the
 * SAZURECONF device key, SAPBR PWD values, the SSLSETCERT password, HTTPPARA USERDATA
 * (extra header lines: tokens travel there), the AT+CSTT password, each replaced by
 * `***`. Spaces outside quotes mean nothing to the module (`AT + SM CONF =
 * "PASSWORD","x"` sets the password), so the secrets are found in the line without them
 * and masked in the line as received, which keeps its spacing.
 */
export function redactLine(line: string): string {
  const spaced = line.includes(' ');
  const kept: number[] | undefined = spaced ? [] : undefined;
  const read = spaced ? withoutSpaces(line, kept) : line;
  if (!MAY_HOLD_SECRET.test(read)) return line; // most lines: one scan instead of four
  return masked(line, read, kept);
}

/**
 * redactLine's masking, on its own so that a line without a secret makes nothing: the
 * closure here puts its variables in a context object, made on entry to the function
 * that holds them (48 bytes a line, a fifteenth of an `AT` round trip's garbage).
 */
function masked(line: string, read: string, kept: number[] | undefined): string {
  // Spans of `line` to mask, [start, end); an empty secret is an insertion point.
  const spans: [number, number][] = [];
  const at = (i: number) => (kept ? (kept[i] ?? line.length) : i);
  for (const re of SECRETS) {
    re.lastIndex = 0;
    for (let m = re.exec(read); m; m = re.exec(read)) {
      const a = m.index + m[1].length;
      const b = a + m[2].length;
      spans.push(b > a ? [at(a), at(b - 1) + 1] : [at(a - 1) + 1, at(a - 1) + 1]);
      if (m[0].length === 0) re.lastIndex++;
    }
  }
  if (spans.length === 0) return line;
  spans.sort((x, y) => x[0] - y[0]);
  let out = '';
  let from = 0;
  for (const [start, end] of spans) {
    if (start < from) continue; // inside a span already masked
    out += line.slice(from, start) + '***';
    from = end;
  }
  return out + line.slice(from);
}

/** Information text that is file contents (certificates, keys): logged by its size only. */
const DATA_INFO = /\+FSREAD/i;
/** Listing lines that show a secret (`AT+SMCONF?` PASSWORD, `AT+SAPBR=4` PWD). */
export const SECRET_INFO = /^((?:PASSWORD|PWD): ?).+$/i;
/** Bounds on what one AT log record keeps of a command's information text. */
export const INFO_LINE_MAX = 200;
export const INFO_LINES_MAX = 32;

/**
 * A command's information lines as the AT log and the debug log keep them: secrets
 * masked, file contents (AT+FSREAD) replaced by their size, each line cut at
 * INFO_LINE_MAX characters and the block at INFO_LINES_MAX lines, so that one entry costs
 * little. `command` is the (redacted) command line, '' for text sent outside one. The
 * array is returned as it is when nothing needed changing.
 */
export function logInfo(command: string, lines: readonly string[]): readonly string[] {
  if (command !== '' && DATA_INFO.test(command.includes(' ') ? withoutSpaces(command) : command)) {
    let bytes = 0;
    for (const l of lines) bytes += l.length;
    return [`<${bytes} bytes>`];
  }
  let out: string[] | null = null;
  const n = Math.min(lines.length, INFO_LINES_MAX);
  for (let i = 0; i < n; i++) {
    const l = lines[i];
    let kept = SECRET_INFO.test(l) ? l.replace(SECRET_INFO, '$1***') : l;
    if (kept.length > INFO_LINE_MAX) kept = `${kept.slice(0, INFO_LINE_MAX)} [+${kept.length - INFO_LINE_MAX} bytes]`;
    if (kept !== l) (out ??= lines.slice(0, n))[i] = kept;
  }
  if (lines.length > n) (out ??= lines.slice(0, n)).push(`[+${lines.length - n} lines]`);
  return out ?? lines;
}
