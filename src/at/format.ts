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
      return frameBlock([`+CME ERROR: ${s.cmee === 2 ? CME_TEXT[f.code] ?? String(f.code) : f.code}`], s);
    case 'cms':
      // The number under CMEE=1 and 2: no SIM800 capture shows a verbose CMS text.
      if (s.cmee === 0) return s.verbose ? '\r\nERROR\r\n' : `${NUMERIC.ERROR}\r`;
      return frameBlock([`+CMS ERROR: ${f.code}`], s);
    case 'text':
      return frameBlock([f.text], s);
  }
}

/** Verbose name of a final result, for logs. */
export function finalName(f: Final): string {
  switch (f.kind) {
    case 'ok':
      return 'OK';
    case 'error':
      return 'ERROR';
    case 'cme':
      return `+CME ERROR: ${f.code}`;
    case 'cms':
      return `+CMS ERROR: ${f.code}`;
    case 'text':
      return f.text;
    case 'none':
      return '';
  }
}
