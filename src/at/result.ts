/**
 * What a command handler returns. Errors are values: the handler names the CME code and
 * the formatter decides how it looks under the current ATV/ATQ/CMEE settings.
 */
export type Final =
  | { kind: 'ok' }
  /** Plain ERROR whatever CMEE says (unknown command names, as the module does). */
  | { kind: 'error' }
  /** +CME ERROR: n with CMEE=1, its text with CMEE=2, ERROR with CMEE=0. */
  | { kind: 'cme'; code: number }
  /** +CMS ERROR: n (27.005 SMS failures) with CMEE=1 and 2, ERROR with CMEE=0. */
  | { kind: 'cms'; code: number }
  /** A command whose final line is its own text (AT+CIPSHUT answers SHUT OK). */
  | { kind: 'text'; text: string }
  /** No final result at all (AT+CPOWD: the module is gone). */
  | { kind: 'none' };

export const OK: Final = { kind: 'ok' };
export const ERROR: Final = { kind: 'error' };
export const NONE: Final = { kind: 'none' };
export const cme = (code: number): Final => ({ kind: 'cme', code });
export const cms = (code: number): Final => ({ kind: 'cms', code });
export const text = (t: string): Final => ({ kind: 'text', text: t });

export const isSuccess = (f: Final): boolean => f.kind === 'ok' || f.kind === 'text' || f.kind === 'none';
