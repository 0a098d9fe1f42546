/**
 * The trace file: JSON lines, one record each, in the order things happened (docs/ui.md,
 * "Traces"). Every record has `n` (its number, from 1, continuing across rotation), `t`
 * (milliseconds on the modem's clock since the trace began) and `k`, its kind:
 *
 * - `start`: the first record of each file: `v` (format version), `run` (an id shared by
 *   the files of one run), `part` (0, then 1, 2… after each rotation), `wall` (ISO time
 *   of t = 0), `label` (the modem's wire);
 * - `rx` / `tx`: bytes from / to the DTE, `d` as latin1 text (one char a byte), secrets masked;
 * - `at`: an AT log record: `dir` cmd or urc, `line`, `final`, `info`, `ms` (as GET /log);
 * - `state`: a timeline lane changed: `lane`, `value`;
 * - `fault`: `action` inject or clear, `name`, `params`, `until`;
 * - `mqtt`: a packet of the module's session: `dir` in/out, `type`, `id`, `topic`, `payload`…;
 * - `step`: a scenario step finished: `index`, `kind`, `detail`, `ok`, `error`;
 * - `end`: the trace was closed cleanly.
 */
export const TRACE_VERSION = 1;

export type TraceKind = 'start' | 'rx' | 'tx' | 'at' | 'state' | 'fault' | 'mqtt' | 'step' | 'end';

export interface TraceRecord {
  n: number;
  t: number;
  k: TraceKind;
  [field: string]: unknown;
}

/** Milliseconds with at most 3 decimals (microseconds), as the file keeps them. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
