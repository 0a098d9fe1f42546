/**
 * Result and information framing under ATV/ATQ/CMEE (manual §2.2 ATV, §3.2 CMEE):
 * ATV1 frames every block as <CR><LF>text<CR><LF>; ATV0 sends text<CR><LF> and a bare
 * numeric result code with <CR>; ATQ1 suppresses result codes but not information text.
 */
import { CME_TEXT } from './cme';
import type { Final } from './result';

export interface FrameSettings {
  verbose: boolean; // ATV1
  quiet: boolean; // ATQ1
  cmee: number; // 0, 1, 2
}

const NUMERIC: Record<string, string> = { OK: '0', ERROR: '4' };

/** One line framed as a block of its own (frameBlock([line], s) without the array). */
export function frameLine(line: string, s: FrameSettings): string {
  return s.verbose ? `\r\n${line}\r\n` : `${line}\r\n`;
}

export function frameBlock(lines: readonly string[], s: FrameSettings): string {
  const body = lines.join('\r\n');
  return s.verbose ? `\r\n${body}\r\n` : `${body}\r\n`;
}

export function frameFinal(f: Final, s: FrameSettings): string {
  if (s.quiet || f.kind === 'none') return '';
  switch (f.kind) {
    case 'ok':
      return s.verbose ? '\r\nOK\r\n' : `${NUMERIC.OK}\r`;
    case 'error':
      return s.verbose ? '\r\nERROR\r\n' : `${NUMERIC.ERROR}\r`;
    case 'cme':
      if (s.cmee === 0) return s.verbose ? '\r\nERROR\r\n' : `${NUMERIC.ERROR}\r`;
      return frameBlock([finalText(f, s)], s);
    case 'cms':
      // The number under CMEE=1 and 2: no SIM800 capture shows a verbose CMS text.
      if (s.cmee === 0) return s.verbose ? '\r\nERROR\r\n' : `${NUMERIC.ERROR}\r`;
      return frameBlock([finalText(f, s)], s);
    case 'text':
      return frameBlock([f.text], s);
  }
}

/**
 * The final result code's text exactly as frameFinal sends it, without the framing CR/LF
 * (`OK`, `0`, `ERROR` for a CME error under CMEE=0, `+CME ERROR: Invalid input value`);
 * '' when nothing is sent (ATQ1, no final). What the AT log shows.
 */
export function finalText(f: Final, s: FrameSettings): string {
  if (s.quiet || f.kind === 'none') return '';
  switch (f.kind) {
    case 'ok':
      return s.verbose ? 'OK' : NUMERIC.OK;
    case 'error':
      return s.verbose ? 'ERROR' : NUMERIC.ERROR;
    case 'cme':
      if (s.cmee === 0) return s.verbose ? 'ERROR' : NUMERIC.ERROR;
      return `+CME ERROR: ${s.cmee === 2 ? CME_TEXT[f.code] ?? String(f.code) : f.code}`;
    case 'cms':
      if (s.cmee === 0) return s.verbose ? 'ERROR' : NUMERIC.ERROR;
      return `+CMS ERROR: ${f.code}`;
    case 'text':
      return f.text;
  }
}
