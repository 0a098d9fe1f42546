/**
 * The HTTP application (docs/http.md): AT+HTTPINIT/TERM, AT+HTTPPARA, AT+HTTPDATA,
 * AT+HTTPACTION, AT+HTTPREAD, AT+HTTPHEAD, AT+HTTPSTATUS?, AT+HTTPSSL, AT+HTTPSCONT. The
 * service (service.ts) holds the state and runs each action as a real request
 * (request.ts). Every refusal is CME 3, as LILY259 and TCALL208 show the module doing.
 *
 * | command                 | answer                                                        |
 * |-------------------------|---------------------------------------------------------------|
 * | +HTTPINIT / +HTTPTERM   | OK; CME 3 when already on / not on                             |
 * | +HTTPPARA=<tag>,<value> | OK; the 11 tags, checks in params.ts                           |
 * | +HTTPDATA=<size>,<time> | DOWNLOAD, <size> bytes, OK (time out: OK with what came)       |
 * | +HTTPACTION=<0..3>      | OK, later +HTTPACTION: <m>,<code>,<len>                        |
 * | +HTTPREAD[=<a>,<n>]     | +HTTPREAD: <n>, the bytes, OK; nothing: OK                     |
 * | +HTTPHEAD               | +HTTPHEAD: <n>, the header text, OK; nothing: OK               |
 * | +HTTPSTATUS?            | +HTTPSTATUS: <method>,<status>,<finish>,<remain>               |
 * | +HTTPSSL                | 0/1                                                           |
 * | +HTTPSCONT              | save the parameters (flash); ? shows +HTTPSCONT: 0/1, listing  |
 */
import { tokenize, toInt } from '../../at/args';
import { CME } from '../../at/cme';
import { cme, type Final } from '../../at/result';
import { httpService } from '../features';
import type { Command, Ctx, Family } from '../family';
import { DEFAULT_PARAMS, listing, setParam, splitTagValue } from './params';
import { MAX_BODY, METHODS } from './request';

export { HttpService, type HttpExchange, type HttpSnapshot } from './service';

const service = (ctx: Ctx) => ctx.modem.feature(httpService);

const NOT_ALLOWED = cme(CME.notAllowed);
/** AT+HTTPDATA: <time> in ms (MAN). */
const DATA_TIME = { min: 1000, max: 120000 };

/** The numbers of a write form, exactly `count` of them; null when malformed. */
function numbers(args: string, count: number): number[] | null {
  const toks = tokenize(args);
  if (!toks || toks.length !== count) return null;
  const out: number[] = [];
  for (const t of toks) {
    const n = t ? toInt(t.value) : null;
    if (n === null) return null;
    out.push(n);
  }
  return out;
}

/** The service when it is on and idle (what most commands need), else null. */
function idle(ctx: Ctx) {
  const s = service(ctx);
  return s.initialised && !s.busy ? s : null;
}

/** `+HTTPREAD: <n>`, the bytes as they are, then OK; nothing to read: just OK. */
function sendBytes(ctx: Ctx, prefix: string, data: Buffer | null): void {
  if (!data || data.length === 0) return;
  ctx.info(`${prefix}: ${data.length}`);
  ctx.raw(data);
}

const commands: Command[] = [
  {
    name: '+HTTPINIT',
    test: [],
    exec: (ctx) => (service(ctx).init() ? undefined : NOT_ALLOWED),
  },
  {
    name: '+HTTPTERM',
    test: [],
    exec: (ctx) => (service(ctx).term() ? undefined : NOT_ALLOWED),
  },
  {
    name: '+HTTPPARA',
    test: ['+HTTPPARA: "HTTPParamTag","HTTPParamValue"'],
    read(ctx) {
      const s = service(ctx);
      if (!s.initialised) return NOT_ALLOWED;
      ctx.info('+HTTPPARA:', ...listing(s.params));
    },
    writeRaw(ctx, args) {
      const s = idle(ctx);
      const tv = splitTagValue(args);
      if (!s || !tv || !setParam(s.params, tv.tag, tv.value)) return NOT_ALLOWED;
    },
  },
  {
    name: '+HTTPDATA',
    test: [`+HTTPDATA: (1-${MAX_BODY}),(${DATA_TIME.min}-${DATA_TIME.max})`],
    async writeRaw(ctx, args): Promise<Final | void> {
      const s = idle(ctx);
      const n = numbers(args, 2);
      if (!s || !n) return NOT_ALLOWED;
      const [size, time] = n;
      if (size < 1 || size > MAX_BODY || time < DATA_TIME.min || time > DATA_TIME.max) return NOT_ALLOWED;
      // The time runs from DOWNLOAD; when it ends first the module keeps what came (USIM relies on it).
      const data = await ctx.prompt(size, time, { text: '\r\nDOWNLOAD\r\n', partial: true });
      if (data) s.setData(data);
    },
  },
  {
    name: '+HTTPACTION',
    test: [`+HTTPACTION: (0-${METHODS.length - 1})`],
    writeRaw(ctx, args) {
      const s = idle(ctx);
      const n = numbers(args, 1);
      if (!s || !n || n[0] < 0 || n[0] >= METHODS.length || s.params.URL.trim() === '') return NOT_ALLOWED;
      s.start(METHODS[n[0]]);
    },
  },
  {
    name: '+HTTPREAD',
    test: [`+HTTPREAD: (0-${MAX_BODY - 1}),(1-${MAX_BODY})`],
    exec(ctx) {
      const s = service(ctx);
      if (!s.initialised) return NOT_ALLOWED;
      sendBytes(ctx, '+HTTPREAD', s.readable());
    },
    writeRaw(ctx, args) {
      const s = service(ctx);
      const n = numbers(args, 2);
      if (!s.initialised || !n) return NOT_ALLOWED;
      const [start, size] = n;
      if (start < 0 || start > MAX_BODY - 1 || size < 1 || size > MAX_BODY) return NOT_ALLOWED;
      const data = s.readable();
      // Bytes start… (0-based), fewer when the data ends first (MAN); past the end: just OK.
      sendBytes(ctx, '+HTTPREAD', data && start < data.length ? data.subarray(start, start + size) : null);
    },
  },
  {
    name: '+HTTPHEAD',
    test: [],
    exec(ctx) {
      const s = service(ctx);
      if (!s.initialised) return NOT_ALLOWED;
      const head = s.headText();
      sendBytes(ctx, '+HTTPHEAD', head ? Buffer.from(head, 'latin1') : null);
    },
  },
  {
    name: '+HTTPSTATUS',
    test: [],
    read(ctx) {
      const s = service(ctx);
      if (!s.initialised) return NOT_ALLOWED;
      const st = s.status();
      ctx.info(`+HTTPSTATUS: ${st.method},${st.status},${st.finish},${st.remain}`);
    },
  },
  {
    name: '+HTTPSSL',
    test: ['+HTTPSSL: (0,1)'],
    read(ctx) {
      const s = service(ctx);
      if (!s.initialised) return NOT_ALLOWED;
      ctx.info(`+HTTPSSL: ${s.ssl}`);
    },
    writeRaw(ctx, args) {
      const s = idle(ctx);
      const n = numbers(args, 1);
      if (!s || !n || (n[0] !== 0 && n[0] !== 1)) return NOT_ALLOWED;
      s.ssl = n[0];
    },
  },
  {
    name: '+HTTPSCONT',
    test: [],
    read(ctx) {
      const saved = service(ctx).savedContext();
      ctx.info(`+HTTPSCONT: ${saved ? 1 : 0}`, ...listing(saved ?? DEFAULT_PARAMS));
    },
    exec(ctx) {
      const s = service(ctx);
      if (!s.initialised) return NOT_ALLOWED;
      s.saveContext();
    },
  },
];

export const http: Family = { name: 'http', commands };
