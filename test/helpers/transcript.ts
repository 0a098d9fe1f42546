/**
 * Transcript tests: plain-text scripts of what the DTE sends and the exact bytes that must
 * come back (format: fixtures/transcripts/README.md). The runner is transport-agnostic:
 * it drives a DteClient, so the same fixture runs over TCP to the CLI and in-process.
 *
 * Byte-exactness: the received stream is consumed from a cursor; every expectation must
 * match right at the cursor (nothing skipped), and any byte left unconsumed when the next
 * line is sent, or at the end, fails the transcript.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DteClient } from '../../src/client/dteClient';
import { sleep } from './wait';

export type Step =
  | { kind: 'send'; bytes: string; at: string }
  | { kind: 'expect'; re: RegExp; source: string; at: string }
  | { kind: 'quiet'; ms: number; at: string }
  | { kind: 'timeout'; ms: number; at: string }
  /** `@name args`: a step the test supplies (RunOptions.actions), e.g. the hub sending a message. */
  | { kind: 'action'; name: string; args: string; at: string };

export interface Transcript {
  name: string;
  steps: Step[];
}

/** Placeholders for values that vary from run to run. */
export const PLACEHOLDERS: Readonly<Record<string, string>> = {
  IP: '(?:\\d{1,3}\\.){3}\\d{1,3}',
  CCLK: '\\d{2}/\\d{2}/\\d{2},\\d{2}:\\d{2}:\\d{2}[+-]\\d{2}',
  INT: '-?\\d+',
  ANY: '[^\\r\\n]*',
};

const ESCAPES: Readonly<Record<string, string>> = { r: '\r', n: '\n', t: '\t', '\\': '\\', '{': '{', '}': '}' };

const reLiteral = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Decodes the escapes of one `<`/`>>` text into literal chunks and placeholder names. */
function decode(text: string, at: string, allowPlaceholders: boolean): { literal: string; regex: string } {
  let literal = '';
  let regex = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') {
      const n = text[i + 1];
      if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
        const ch = String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
        literal += ch;
        regex += reLiteral(ch);
        i += 3;
        continue;
      }
      if (n === undefined || !(n in ESCAPES)) throw new Error(`${at}: unknown escape "\\${n ?? ''}" (use \\r \\n \\t \\\\ \\{ \\} \\xHH)`);
      literal += ESCAPES[n];
      regex += reLiteral(ESCAPES[n]);
      i++;
      continue;
    }
    if (c === '{' && allowPlaceholders) {
      const end = text.indexOf('}', i);
      const name = end < 0 ? '' : text.slice(i + 1, end);
      if (!(name in PLACEHOLDERS)) throw new Error(`${at}: unknown placeholder "${text.slice(i, end + 1 || undefined)}" (known: ${Object.keys(PLACEHOLDERS).map((p) => `{${p}}`).join(' ')}; write \\{ for a literal brace)`);
      regex += PLACEHOLDERS[name];
      i = end;
      continue;
    }
    literal += c;
    regex += reLiteral(c);
  }
  return { literal, regex };
}

/**
 * Parses a transcript. `vars` fills `{{NAME}}` anywhere in the text before it is read
 * (values a test only knows at run time, such as a generated certificate and its length).
 */
export function parseTranscript(text: string, name: string, vars: Readonly<Record<string, string>> = {}): Transcript {
  text = text.replace(/\{\{(\w+)\}\}/g, (m, v: string) => {
    if (!(v in vars)) throw new Error(`${name}: no value for ${m}`);
    return vars[v];
  });
  const steps: Step[] = [];
  let pending: { regex: string; source: string[]; at: string } | null = null;
  const flush = () => {
    if (pending) steps.push({ kind: 'expect', re: new RegExp(pending.regex), source: pending.source.join('\n'), at: pending.at });
    pending = null;
  };
  text.split('\n').forEach((raw, idx) => {
    const line = raw.replace(/\r$/, '');
    const at = `${name}:${idx + 1}`;
    if (line.startsWith('< ')) {
      const { regex } = decode(line.slice(2), at, true);
      pending ??= { regex: '', source: [], at };
      pending.regex += regex;
      pending.source.push(line);
      return;
    }
    flush();
    if (line.trim() === '' || line.startsWith('#')) return;
    if (line.startsWith('>> ')) steps.push({ kind: 'send', bytes: decode(line.slice(3), at, false).literal, at });
    else if (line === '>' || line.startsWith('> ')) steps.push({ kind: 'send', bytes: line.slice(2) + '\r', at });
    else if (/^@(quiet|timeout) \d+$/.test(line)) {
      const [word, ms] = line.slice(1).split(' ');
      steps.push({ kind: word as 'quiet' | 'timeout', ms: Number(ms), at });
    } else if (/^@[a-z][\w-]*( |$)/.test(line)) {
      const sp = line.indexOf(' ');
      steps.push({ kind: 'action', name: line.slice(1, sp < 0 ? undefined : sp), args: sp < 0 ? '' : line.slice(sp + 1), at });
    } else throw new Error(`${at}: cannot read "${line}" (lines start with "> ", ">> ", "< ", "@quiet N", "@timeout N", "@action args" or "#")`);
  });
  flush();
  return { name, steps };
}

export function loadTranscripts(dir: string): Transcript[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => parseTranscript(fs.readFileSync(path.join(dir, f), 'latin1'), f));
}

export interface RunOptions {
  /** How long one expectation may take to arrive (the `@timeout` directive overrides it). */
  timeoutMs?: number;
  /** Quiet time at the end during which no further byte may arrive. */
  settleMs?: number;
  /** What `@name args` lines do; a name without an entry fails the transcript. */
  actions?: Readonly<Record<string, (args: string) => Promise<void>>>;
}


/** Runs the transcript over a connected client; throws naming the fixture line on a mismatch. */
export async function runTranscript(t: Transcript, client: DteClient, opts: RunOptions = {}): Promise<void> {
  let cursor = 0;
  let timeoutMs = opts.timeoutMs ?? 3000;
  const leftover = (at: string, when: string) => {
    const extra = client.received.slice(cursor);
    if (extra) throw new Error(`${at}: unexpected bytes ${when}: ${JSON.stringify(extra)}`);
  };
  for (const step of t.steps) {
    switch (step.kind) {
      case 'send':
        leftover(step.at, 'before this line was sent');
        client.write(Buffer.from(step.bytes, 'latin1'));
        break;
      case 'expect': {
        try {
          const m = await client.waitForMatchAt(step.re, cursor, timeoutMs);
          cursor += m[0].length;
        } catch (err) {
          throw new Error(`${step.at}: expected\n${step.source}\n${(err as Error).message}`);
        }
        break;
      }
      case 'quiet':
        await sleep(step.ms);
        leftover(step.at, `within ${step.ms} ms of quiet`);
        break;
      case 'timeout':
        timeoutMs = step.ms;
        break;
      case 'action': {
        const action = opts.actions?.[step.name];
        if (!action) throw new Error(`${step.at}: no action "@${step.name}" in this run`);
        leftover(step.at, 'before this action');
        await action(step.args);
        break;
      }
    }
  }
  await sleep(opts.settleMs ?? 50);
  leftover(`${t.name}:end`, 'after the last expectation');
}
