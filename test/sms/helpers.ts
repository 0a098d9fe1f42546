/**
 * An emulator with an in-process DTE (synced, ATE0) and its control API over real HTTP on
 * loopback: what every SMS, call and USSD test drives. `api()` returns the status and the
 * parsed JSON body; `urcs()` settles and returns the bytes that arrived since the last mark.
 */
import { readyDte, type Dte } from '../helpers/dte';
import type { EmulatorHandle, EmulatorOptions } from '../../src/emulator';

export interface ApiReply {
  status: number;
  /** JSON of any shape: each test states the fields it relies on. */
  json: any;
}

export type SmsDte = Dte & {
  emu: EmulatorHandle;
  api(method: string, path: string, body?: unknown): Promise<ApiReply>;
  /** Waits until the engine is idle and returns what arrived since the last mark (then marks). */
  urcs(): Promise<string>;
};

export async function smsDte(opts: EmulatorOptions = {}): Promise<SmsDte> {
  const dte = await readyDte({ control: { port: 0 }, ...opts });
  const api = async (method: string, path: string, body?: unknown): Promise<ApiReply> => {
    const res = await fetch(dte.emu.controlUrl + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const urcs = async (): Promise<string> => {
    await dte.settle();
    const out = dte.sinceMark();
    dte.mark();
    return out;
  };
  // An exchange's bytes are its own: URCs read afterwards start after them.
  const exchange = dte.exchange;
  const marked: Dte['exchange'] = async (line, opts) => {
    const out = await exchange(line, opts);
    dte.mark();
    return out;
  };
  return Object.assign(dte, { api, urcs, exchange: marked });
}

/** The sender, SMSC and time stamp every fixture message uses (TS 23.040 fields below). */
export const FROM = '+31628870634';
/** 2024-03-01 10:15:00 at UTC+1: SCTS 24/03/01,10:15:00+04, semi-octets 42301001510040. */
export const TIME = '2024-03-01T10:15:00+01:00';
export const SCTS = '24/03/01,10:15:00+04';
/** The SCA of the default `smsc` (+8613800100500), as it leads every stored PDU. */
export const SCA_HEX = '0891683108100005F0';

/** Posts an incoming message and expects it accepted. */
export async function deliver(dte: SmsDte, body: Record<string, unknown>): Promise<ApiReply['json']> {
  const r = await dte.api('POST', '/sms', { from: FROM, time: TIME, ...body });
  expect(r.status).toBe(201);
  return r.json;
}

/** Sends a text-mode SMS from the DTE and returns the final bytes after Ctrl-Z. */
export async function sendText(dte: SmsDte, da: string, text: string): Promise<string> {
  expect(await dte.exchange(`AT+CMGS="${da}"`)).toBe('\r\n> ');
  return dte.exchange(text + '\x1a', { raw: true });
}
