/**
 * Reading a trace back (`sim800-emu trace FILE`): its records in order, FILE.1 first when
 * it is the earlier part of the same run, and the two views of it: an annotated text
 * transcript, and one self-contained HTML page with the control page's console and
 * timeline (its own script and styles inlined, the records embedded: it opens offline).
 */
import * as fs from 'node:fs';
import { readUiFile } from '../control/assets';
import type { TraceRecord } from './format';

export class TraceError extends Error {}

export interface Trace {
  records: TraceRecord[];
  /** The files read, oldest part first. */
  files: string[];
  run: string;
  wall: string;
  label: string;
  /** The run closed its trace (an `end` record): false for a process that was killed. */
  complete: boolean;
}

function parseFile(file: string): TraceRecord[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TraceError(`cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lines = text.split('\n');
  const out: TraceRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    let r: TraceRecord;
    try {
      r = JSON.parse(lines[i]) as TraceRecord;
    } catch {
      // A process killed while writing leaves its last line torn: the rest is still good.
      if (i >= lines.length - 2) break;
      throw new TraceError(`${file}:${i + 1}: not a trace record (JSON lines expected)`);
    }
    if (typeof r !== 'object' || r === null || typeof r.n !== 'number' || typeof r.k !== 'string') throw new TraceError(`${file}:${i + 1}: not a trace record (no "n" or "k")`);
    out.push(r);
  }
  if (out.length === 0 || out[0].k !== 'start') throw new TraceError(`${file}: not a sim800-emu trace (no start record)`);
  return out;
}

/** FILE, with FILE.1 before it when that is the same run's earlier part. */
export function readTrace(file: string): Trace {
  const records = parseFile(file);
  const start = records[0];
  const files = [file];
  const older = `${file}.1`;
  if ((start.part as number) > 0 && fs.existsSync(older)) {
    const before = parseFile(older);
    if (before[0].run === start.run) {
      records.unshift(...before);
      files.unshift(older);
    }
  }
  return {
    records,
    files,
    run: String(start.run ?? ''),
    wall: String(start.wall ?? ''),
    label: String(start.label ?? ''),
    complete: records[records.length - 1].k === 'end',
  };
}

/**
 * Bytes as text a person can read: CR, LF, tab and other controls spelled out (a
 * backslash stays as it is, as on the control page).
 */
export function showBytes(d: string): string {
  let out = '';
  for (const ch of d) {
    const c = ch.charCodeAt(0);
    if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3).padStart(9);

function describeMqtt(r: TraceRecord): string {
  const parts = [String(r.type).toUpperCase()];
  if (r.topic !== undefined) parts.push(String(r.topic));
  if (r.topics !== undefined) parts.push((r.topics as string[]).join(' '));
  if (r.qos !== undefined) parts.push(`qos ${r.qos}`);
  if (r.id !== undefined) parts.push(`id ${r.id}`);
  if (r.retain) parts.push('retain');
  if (r.dup) parts.push('dup');
  if (r.clientId !== undefined) parts.push(`client "${r.clientId}"`);
  if (r.username !== undefined) parts.push(`user "${r.username}"`);
  if (r.password) parts.push('password ***');
  if (r.returnCode !== undefined) parts.push(`rc ${r.returnCode}`);
  if (r.granted !== undefined) parts.push(`granted ${(r.granted as number[]).join(',')}`);
  if (r.payload !== undefined) parts.push(`"${showBytes(String(r.payload))}"${r.bytes !== undefined && Number(r.bytes) > String(r.payload).length ? '…' : ''} (${r.bytes} bytes)`);
  return parts.join(' ');
}

/** One line (or a few) per record: time in seconds, what, details. */
export function traceToText(trace: Trace): string {
  const out: string[] = [`# sim800-emu trace ${trace.run}${trace.label ? ` (${trace.label})` : ''}, t = 0 at ${trace.wall}; ${trace.records.length} records from ${trace.files.join(', ')}${trace.complete ? '' : '; the run did not close it (killed?)'}`];
  for (const r of trace.records) {
    const at = seconds(r.t);
    switch (r.k) {
      case 'start':
        out.push(`${at}  START   part ${r.part}`);
        break;
      case 'rx':
      case 'tx': {
        // One line per line on the wire, so a transcript reads like a terminal session.
        const pieces = String(r.d).match(/[^\n]*\n|[^\n]+$/g) ?? [''];
        pieces.forEach((p, i) => out.push(`${i === 0 ? at : ' '.repeat(9)}  ${r.k === 'rx' ? 'DTE>' : '<MOD'}    ${showBytes(p)}`));
        break;
      }
      case 'at':
        if (r.dir === 'urc') out.push(`${at}  URC     ${showBytes(String(r.line))}`);
        else {
          const info = (r.info as string[] | undefined)?.length ? ` [${(r.info as string[]).map(showBytes).join(' | ')}]` : '';
          out.push(`${at}  AT      ${showBytes(String(r.line))} -> ${r.final === '' ? '(no result code)' : showBytes(String(r.final ?? ''))}${r.ms !== undefined ? ` in ${Math.round(Number(r.ms) * 10) / 10} ms` : ''}${info}`);
        }
        break;
      case 'state':
        out.push(`${at}  STATE   ${r.lane}: ${r.value}`);
        break;
      case 'fault':
        out.push(`${at}  FAULT   ${r.action} ${r.name}${r.params && Object.keys(r.params as object).length ? ` ${JSON.stringify(r.params)}` : ''}${r.until !== undefined ? ` until ${seconds(Number(r.until)).trim()} s` : ''}`);
        break;
      case 'mqtt':
        out.push(`${at}  MQTT${r.dir === 'out' ? '>' : '<'}   ${describeMqtt(r)}`);
        break;
      case 'step':
        out.push(`${at}  STEP    ${r.index} ${r.kind} ${r.detail}: ${r.ok ? 'ok' : `FAILED${r.error ? ` (${r.error})` : ''}`}`);
        break;
      case 'end':
        out.push(`${at}  END`);
        break;
      default:
        out.push(`${at}  ${String(r.k).toUpperCase()} ${JSON.stringify(r)}`);
    }
  }
  return out.join('\n') + '\n';
}

/** JSON that may sit inside a <script> element: no `<` that could end it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The control page's console and timeline over the trace's records, in one file that opens offline. */
export function traceToHtml(trace: Trace): string {
  const title = `sim800-emu trace ${trace.run}${trace.label ? ` — ${trace.label}` : ''}`;
  const data = { run: trace.run, wall: trace.wall, label: trace.label, files: trace.files, complete: trace.complete, records: trace.records };
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    '<link rel="icon" href="data:,">',
    `<style>${readUiFile('app.css').replace(/<\/style/gi, '<\\/style')}</style>`,
    '</head><body>',
    '<div id="app"></div>',
    `<script type="application/json" id="sim800-trace">${scriptJson(data)}</script>`,
    `<script>${readUiFile('app.js').replace(/<\/script/gi, '<\\/script')}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
