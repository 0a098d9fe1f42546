/**
 * The shape of a command table entry. A command lists the forms it has; a form it does
 * not list answers ERROR. The table carries the parameter specs, the handler only the
 * behaviour.
 *
 * The AT layer knows nothing of the modem: a context carries the object handlers act on
 * as `M` (the command families use `CommandContext<Modem>`), so `at/` imports nothing
 * from the layers that use it.
 */
import type { ArgsOf, ParamSpec, Token } from './args';
import type { Final } from './result';

export type MaybePromise<T> = T | Promise<T>;
/** A handler returns its final result; returning nothing means OK. */
export type HandlerResult = MaybePromise<Final | void>;

export interface CommandContext<M = unknown> {
  readonly modem: M;
  /** One information block (framed once, lines joined by CR LF). */
  info(...lines: string[]): void;
  /** Raw bytes sent as they are (file contents, payloads). */
  raw(data: string | Buffer): void;
  /**
   * Data mode: sends the `> ` prompt (or `opts.text`, '' for none), then collects exactly
   * `size` bytes (not echoed). Resolves null when fewer arrive within `timeoutMs`, or with
   * the bytes that came when `opts.partial` (AT+HTTPDATA keeps them).
   */
  prompt(size: number, timeoutMs: number, opts?: PromptOptions): Promise<Buffer | null>;
  /**
   * Data mode ended by a byte (AT+CIPSEND's Ctrl-Z): the `> ` prompt (or `opts.text`),
   * then bytes up to `end` (not kept) or `max` bytes; `cancel` abandons them. With
   * `autoMs` the bytes so far are taken that long after the prompt (AT+CIPATS). Resolves
   * with the bytes, 'cancel', or null when `timeoutMs` passed first.
   */
  collect(opts: CollectOptions): Promise<Buffer | 'cancel' | null>;
}

export interface PromptOptions {
  /** The bytes that open the data phase instead of `\r\n> ` (`\r\nDOWNLOAD\r\n`; '' for none). */
  text?: string;
  /** When time runs out, resolve with the bytes received so far instead of null. */
  partial?: boolean;
}

export interface CollectOptions {
  /** The byte that ends the data (Ctrl-Z), not kept. */
  end: number;
  /** The byte that abandons it (ESC). */
  cancel: number;
  /** Bytes kept at most: with `overflow` 'end' (default) the data ends there; 'drop' reads on and drops the rest. */
  max: number;
  overflow?: 'end' | 'drop';
  /** Resolves null when the data has not ended by then; none: it waits (text entry). */
  timeoutMs?: number;
  /** The bytes so far are taken this long after the prompt (AT+CIPATS). */
  autoMs?: number;
  /** The bytes that open the data phase instead of `\r\n> ` ('' for none). */
  text?: string;
  /**
   * Text entry (AT+CMGS, AT+CMGW): under ATE1 the bytes are echoed and a CR is echoed as a
   * new `\r\n> `; the backspace character (S5) removes the last byte.
   */
  edit?: boolean;
  /** True keeps a `cancel` byte and the byte after it as data (the GSM escape to the extension table). */
  keepEscape?: (next: number) => boolean;
}

export interface WriteForm<M = unknown, P extends readonly ParamSpec[] = readonly ParamSpec[]> {
  params: P;
  // Method syntax on purpose: a form with a typed tuple is assignable to the table's entry type.
  run(ctx: CommandContext<M>, args: ArgsOf<P>, tokens: (Token | undefined)[]): HandlerResult;
}

/**
 * A write form whose handler receives its arguments as a typed tuple:
 * `writeForm([int('cid', { min: 1, max: 3 }), optional(str('apn'))], (ctx, [cid, apn]) => …)`.
 */
export function writeForm<M, const P extends readonly ParamSpec[]>(
  params: P,
  run: (ctx: CommandContext<M>, args: ArgsOf<P>, tokens: (Token | undefined)[]) => HandlerResult,
): WriteForm<M, P> {
  return { params, run };
}

export interface CommandDef<M = unknown> {
  /** `+CSQ`, `E`, `&W`, `I` ... (upper case, with its prefix character). */
  name: string;
  /** Extra names answering the same way (`+GSN` for `+CGSN`). */
  aliases?: readonly string[];
  /** Test form `=?`: fixed lines followed by OK, or a handler. */
  test?: readonly string[] | ((ctx: CommandContext<M>) => HandlerResult);
  read?(ctx: CommandContext<M>): HandlerResult;
  exec?(ctx: CommandContext<M>): HandlerResult;
  /** Write form checked against a parameter table (build it with writeForm()). */
  write?: WriteForm<M, readonly ParamSpec[]>;
  /** Write form that parses its own arguments (tag/value commands like SMCONF, SAPBR). */
  writeRaw?(ctx: CommandContext<M>, args: string): HandlerResult;
  /** Basic (V.250) command: receives its numeric suffix, undefined when absent. */
  basic?(ctx: CommandContext<M>, n: number | undefined, raw: string): HandlerResult;
  /** S-register access (`ATS3?`, `ATS0=1`); value undefined for a read. Registered as `S`. */
  sreg?(ctx: CommandContext<M>, reg: number, value: number | undefined): HandlerResult;
}

/** What the engine asks of a command table: a name's definition (a Map from buildTable(), or a table that loads on demand). */
export interface CommandTable<M = unknown> {
  get(name: string): CommandDef<M> | undefined;
}

export function buildTable<M>(...groups: readonly (readonly CommandDef<M>[])[]): ReadonlyMap<string, CommandDef<M>> {
  const table = new Map<string, CommandDef<M>>();
  for (const group of groups) {
    for (const def of group) {
      for (const name of [def.name, ...(def.aliases ?? [])]) {
        if (table.has(name)) throw new Error(`command ${name} registered twice`);
        table.set(name, def);
      }
    }
  }
  return table;
}
