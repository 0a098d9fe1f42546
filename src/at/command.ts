/**
 * The shape of a command table entry. A command lists the forms it has; a form it does
 * not list answers ERROR. The table carries the parameter specs, the handler only the
 * behaviour (DESIGN.md: handlers are small and declarative).
 */
import type { ArgValue, ParamSpec, Token } from './args';
import type { Final } from './result';
import type { Modem } from '../modem/modem';

export type MaybePromise<T> = T | Promise<T>;
/** A handler returns its final result; returning nothing means OK. */
export type HandlerResult = MaybePromise<Final | void>;

export interface CommandContext {
  readonly modem: Modem;
  /** One information block (framed once, lines joined by CR LF). */
  info(...lines: string[]): void;
  /** Raw bytes sent as they are (file contents, payloads). */
  raw(data: string | Buffer): void;
  /**
   * Data mode: sends the `> ` prompt, then collects exactly `size` bytes (not echoed).
   * Resolves null when fewer arrive within `timeoutMs`.
   */
  prompt(size: number, timeoutMs: number): Promise<Buffer | null>;
}

export interface WriteForm {
  params: readonly ParamSpec[];
  run(ctx: CommandContext, args: ArgValue[], tokens: (Token | undefined)[]): HandlerResult;
}

export interface CommandDef {
  /** `+CSQ`, `E`, `&W`, `I` ... (upper case, with its prefix character). */
  name: string;
  /** Extra names answering the same way (`+GSN` for `+CGSN`). */
  aliases?: readonly string[];
  /** Test form `=?`: fixed lines followed by OK, or a handler. */
  test?: readonly string[] | ((ctx: CommandContext) => HandlerResult);
  read?(ctx: CommandContext): HandlerResult;
  exec?(ctx: CommandContext): HandlerResult;
  /** Write form checked against a parameter table. */
  write?: WriteForm;
  /** Write form that parses its own arguments (tag/value commands like SMCONF, SAPBR). */
  writeRaw?(ctx: CommandContext, args: string): HandlerResult;
  /** Basic (V.250) command: receives its numeric suffix, undefined when absent. */
  basic?(ctx: CommandContext, n: number | undefined, raw: string): HandlerResult;
  /** S-register access (`ATS3?`, `ATS0=1`); value undefined for a read. Registered as `S`. */
  sreg?(ctx: CommandContext, reg: number, value: number | undefined): HandlerResult;
}

export type CommandTable = ReadonlyMap<string, CommandDef>;

export function buildTable(...groups: readonly CommandDef[][]): CommandTable {
  const table = new Map<string, CommandDef>();
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
