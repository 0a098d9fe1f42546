/**
 * The TCP/IP application (SIM800 AT Command Manual §8.2) with real sockets behind it:
 * TinyGSM's SIM800 client, PubSubClient over it and FONA's TCP functions run unchanged.
 * docs/tcpip.md is the specification (every answer byte for byte, with its source);
 * docs/decisions.md "TCP/IP" the choices where the sources are silent. The state lives in
 * stack.ts, one connection in connection.ts, transparent mode in transparent.ts, the
 * services around the stack (CDNSGIP, CIPPING, CNTP, CIPGSMLOC) in services.ts.
 *
 * | command | answer | source |
 * |---|---|---|
 * | +CSTT, +CIICR, +CIFSR | OK / the bare address; the state machine | MAN 8.2.9–11 |
 * | +CIPSTART | OK, then CONNECT OK / `<n>, CONNECT OK` / CONNECT FAIL; ALREADY CONNECT | MAN 8.2.2, LWGSM, CAP |
 * | +CIPSEND | `> `, data, SEND OK / DATA ACCEPT / SEND FAIL | MAN 8.2.3, TGSM, FONA |
 * | +CIPRXGET | notice `+CIPRXGET: 1[,n]`; reads `2`/`3` with bytes returned and left; `4` count | MAN 8.2.26, TGSM, FONA, RS |
 * | +CIPCLOSE, +CIPSHUT | CLOSE OK / `<n>, CLOSE OK`; SHUT OK | MAN 8.2.6–7 |
 * | +CIPSTATUS | OK then STATE: and the C: table | MAN 8.2.12, CAP |
 * | +CIPMUX, +CIPQSEND, +CIPHEAD, +CIPSRIP, +CIPSHOWTP, +CIPSPRT, +CIPSSL, +CIPMODE, +CIPCCFG, +CIPATS, +CIPTKA | settings | MAN 8.2 |
 * | +CIPSERVER, +CIPACK, O (ATO) | server, counters, back to data mode | MAN 8.2.5, 8.2.18 |
 * | +CGDCONT, +CGACT, +CDNSCFG | contexts (docs/tcpip.md §2), DNS servers | MAN 7.2, 8.2.13 |
 */
import { int, optional, str } from '../../at/args';
import { CME } from '../../at/cme';
import { ERROR, NONE, OK, cme, text, type Final } from '../../at/result';
import { tcpipStack } from '../features';
import { form, type Command, type Ctx, type Family } from '../family';
import type { Connection } from './connection';
import { services } from './services';
import { MAX_SEND, SLOTS, type TcpIpStack } from './stack';

const stack = (ctx: Ctx) => ctx.modem.feature(tcpipStack);

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const HOST = /^[A-Za-z0-9._-]{1,128}$/;
const flag = (name: string) => int(name, { min: 0, max: 1 });
/** How long a data phase may wait for its bytes (the manual's 645 s for CIPSEND). */
const DATA_TIMEOUT_MS = 645_000;
const CTRL_Z = 0x1a;
const ESC = 0x1b;

type FlagKey = 'qsend' | 'ssl' | 'head' | 'srip' | 'showtp';

/** A 0/1 setting of the stack: read shows it, write sets it, test lists (0,1). */
function stackFlag(name: string, key: FlagKey): Command {
  return {
    name,
    test: [`${name}: (0,1)`],
    read: (ctx) => ctx.info(`${name}: ${stack(ctx)[key]}`),
    write: form([flag('n')], (ctx, [n]) => {
      stack(ctx)[key] = n;
    }),
  };
}

const toInt = (s: string | undefined): number | null => (s !== undefined && /^\d{1,5}$/.test(s.trim()) ? Number(s) : null);

/** AT+CIPSTART (manual §8.2.2): OK now, the connection's outcome as a URC later. */
function start(ctx: Ctx, args: (string | undefined)[]): Final | void {
  const s = stack(ctx);
  const multi = s.mux === 1;
  if (args.length !== (multi ? 4 : 3) || args.some((a) => a === undefined)) return ERROR;
  const [nText, mode, host, portText] = multi ? args : [undefined, ...args];
  const n = multi ? toInt(nText) : 0;
  const port = toInt(portText);
  const protocol = mode!.toUpperCase();
  if (n === null || n >= SLOTS || port === null || port < 1 || port > 65535 || (protocol !== 'TCP' && protocol !== 'UDP') || !HOST.test(host!)) return ERROR;
  const current = s.slot(n);
  if (current && (current.state === 'CONNECTING' || current.state === 'CONNECTED')) return text(multi ? `${n}, ALREADY CONNECT` : 'ALREADY CONNECT');
  let activateFirst = false;
  if (multi) {
    if (s.base !== 'IP STATUS') return ERROR;
  } else if (s.base === 'IP INITIAL') activateFirst = true;
  else if (s.base !== 'IP STATUS' || s.server) return ERROR;
  const c = s.newConnection(n, protocol, { host: host!, port });
  void s.connect(c, host!, port, activateFirst);
}

/** The connection AT+CIPSEND/CIPCLOSE/CIPRXGET name: slot 0 in single mode. */
function target(s: TcpIpStack, n: number | undefined): Connection | undefined {
  return s.slot(s.mux === 1 ? (n ?? -1) : 0);
}

/** AT+CIPSEND: `> `, the data, then SEND OK / DATA ACCEPT / SEND FAIL (§3.4). */
async function send(ctx: Ctx, n: number | undefined, length: number | undefined): Promise<Final | void> {
  const s = stack(ctx);
  const multi = s.mux === 1;
  const c = target(s, n);
  if (!c || !c.announced || c.state !== 'CONNECTED' || s.transparent) return ERROR;
  if (length !== undefined && (length < 1 || length > MAX_SEND)) return ERROR;
  // AT+CIPSPRT=1 shows the `> ` prompt; 0 and 2 do not.
  const prompt = s.sprt === 1 ? undefined : '';
  let data: Buffer | 'cancel' | null;
  if (length !== undefined) data = await ctx.prompt(length, DATA_TIMEOUT_MS, { text: prompt });
  else {
    const autoMs = s.ats.mode === 1 ? s.ats.time * 1000 : undefined;
    data = await ctx.collect({ end: CTRL_Z, cancel: ESC, max: MAX_SEND, timeoutMs: DATA_TIMEOUT_MS, autoMs, text: prompt });
  }
  if (data === null) return ERROR;
  if (data === 'cancel') return OK;
  const prefix = multi ? `${c.id}, ` : '';
  const fail = () => (s.sprt === 2 ? NONE : text(`${prefix}SEND FAIL`));
  if (c.state !== 'CONNECTED') return fail();
  const sent = c.send(data);
  if (s.qsend === 1) return s.sprt === 2 ? NONE : text(multi ? `DATA ACCEPT:${c.id},${data.length}` : `DATA ACCEPT:${data.length}`);
  if (!(await sent)) return fail();
  await ctx.modem.clock.sleep(ctx.modem.timing.delay('tcpSendMs'));
  return s.sprt === 2 ? NONE : text(`${prefix}SEND OK`);
}

/** AT+CIPRXGET=<mode>[,...] (§3.6): single `=2,<len>`, multi `=2,<id>,<len>`. */
function rxget(ctx: Ctx, mode: number, a: number | undefined, b: number | undefined): Final | void {
  const s = stack(ctx);
  const multi = s.mux === 1;
  if (mode <= 1) {
    s.setRxget(mode);
    return;
  }
  if (s.rxget !== 1) return ERROR;
  const [id, len] = multi ? [a, b] : [undefined, a];
  if (multi && (id === undefined || id >= SLOTS)) return ERROR;
  const c = target(s, id);
  if (!c || c.rxDiscarded) return ERROR;
  const idPart = multi ? `${c.id},` : '';
  if (mode === 4) {
    if (multi ? b !== undefined : a !== undefined) return ERROR;
    ctx.info(`+CIPRXGET: 4,${idPart}${c.rxSize}`);
    return;
  }
  const max = mode === 3 ? MAX_SEND / 2 : MAX_SEND;
  if (len === undefined || len < 1 || len > max) return ERROR;
  const bytes = s.readFrom(c, len);
  ctx.info(`+CIPRXGET: ${mode},${idPart}${bytes.length},${c.rxSize}`);
  ctx.raw(mode === 3 ? bytes.toString('hex').toUpperCase() : bytes);
}

/** AT+CIPCLOSE (§3.7): single `[=<quick>]`, multi `=<id>[,<quick>]`. */
function close(ctx: Ctx, a: number | undefined, b: number | undefined): Final | void {
  const s = stack(ctx);
  const multi = s.mux === 1;
  if (multi && a === undefined) return ERROR;
  if (!multi && b !== undefined) return ERROR;
  const id = multi ? a! : 0;
  const quick = (multi ? b : a) ?? 0;
  if (id >= SLOTS || quick > 1) return ERROR;
  const c = s.slot(id);
  if (!c || (c.state !== 'CONNECTING' && c.state !== 'CONNECTED')) return ERROR;
  if (s.transparent?.conn === c) s.leaveTransparent();
  c.close(quick === 1);
  return text(multi ? `${id}, CLOSE OK` : 'CLOSE OK');
}

function cipStatus(ctx: Ctx): void {
  const s = stack(ctx);
  ctx.modem.urc(`STATE: ${s.stateName()}`);
  if (s.mux === 1) {
    const lines = s.server ? [`S: 0,0,"${s.server.port}","LISTENING"`] : [];
    for (let n = 0; n < SLOTS; n++) lines.push(`C: ${s.statusFields(n)}`);
    ctx.modem.urc(lines.join('\r\n'));
  }
}

/** The stack's context is up from IP GPRSACT on; IP CONFIG is mid-activation. */
const stackUp = (s: TcpIpStack) => s.up;

const commands: Command[] = [
  // ---- the stack's state machine --------------------------------------------------------
  {
    name: '+CIPSHUT',
    test: [],
    exec(ctx) {
      stack(ctx).shut();
      return text('SHUT OK');
    },
  },
  {
    name: '+CSTT',
    test: ['+CSTT: "APN","USER","PWD"'],
    read: (ctx) => {
      const s = stack(ctx);
      ctx.info(`+CSTT: "${s.apn}","${s.user}","${s.pwd}"`);
    },
    exec(ctx) {
      // Without parameters the module keeps its default APN (MAN: CMNET).
      const s = stack(ctx);
      if (s.base !== 'IP INITIAL') return ERROR;
      s.base = 'IP START';
    },
    write: form([str('apn', { maxLen: 50 }), optional(str('user', { maxLen: 50 })), optional(str('pwd', { maxLen: 50 }))], (ctx, [apn, user, pwd]) => {
      const s = stack(ctx);
      if (s.base !== 'IP INITIAL') return ERROR;
      Object.assign(s, { apn, user: user ?? '', pwd: pwd ?? '', base: 'IP START' });
    }),
  },
  {
    name: '+CIICR',
    test: [],
    async exec(ctx) {
      const s = stack(ctx);
      if (s.base !== 'IP START') return ERROR;
      if (!(await s.activate())) return ERROR;
    },
  },
  {
    name: '+CIFSR',
    test: [],
    exec(ctx) {
      const s = stack(ctx);
      if (!stackUp(s)) return ERROR;
      s.base = 'IP STATUS';
      ctx.info(s.ip);
      return NONE; // the manual's response is the address alone: no OK follows
    },
  },
  {
    name: '+CIPSTATUS',
    test: [],
    exec: cipStatus,
    write: form([int('n', { min: 0, max: 5 })], (ctx, [n]) => {
      const s = stack(ctx);
      if (s.mux !== 1) return ERROR;
      ctx.info(`+CIPSTATUS: ${s.statusFields(n)}`);
    }),
  },
  {
    name: '+CIPMUX',
    test: ['+CIPMUX: (0,1)'],
    read: (ctx) => ctx.info(`+CIPMUX: ${stack(ctx).mux}`),
    write: form([flag('n')], (ctx, [n]) => {
      const s = stack(ctx);
      // MAN 8.2.1: the mode can change only while the stack is idle; transparent is single only.
      if (s.base !== 'IP INITIAL' && n !== s.mux) return ERROR;
      if (n === 1 && s.cipmode === 1) return ERROR;
      s.mux = n;
    }),
  },

  // ---- connections ------------------------------------------------------------------
  {
    name: '+CIPSTART',
    test: (ctx) => {
      const range = '("TCP","UDP"),("(0,255).(0,255).(0,255).(0,255)"),("(1,65535)")';
      ctx.info(`+CIPSTART: ${stack(ctx).mux === 1 ? '(0-5),' : ''}${range}`);
    },
    write: form([str('a'), optional(str('b')), optional(str('c')), optional(str('d'))], (ctx, args, tokens) => start(ctx, args.slice(0, tokens.length))),
  },
  {
    name: '+CIPSEND',
    test: (ctx) => ctx.info(stack(ctx).mux === 1 ? `+CIPSEND: (0-5),(1-${MAX_SEND})` : `+CIPSEND: (1-${MAX_SEND})`),
    read(ctx) {
      const s = stack(ctx);
      const size = (c: Connection | undefined) => (c && c.announced && c.state === 'CONNECTED' ? MAX_SEND : 0);
      if (s.mux === 1) ctx.info(...Array.from({ length: SLOTS }, (_, n) => `+CIPSEND: ${n},${size(s.slot(n))}`));
      else ctx.info(`+CIPSEND: ${size(s.slot(0))}`);
    },
    exec: (ctx) => (stack(ctx).mux === 1 ? ERROR : send(ctx, undefined, undefined)),
    write: form([int('a', { min: 0, max: 65535 }), optional(int('b', { min: 0, max: 65535 }))], (ctx, [a, b]) => {
      if (stack(ctx).mux === 1) return send(ctx, a, b);
      return b === undefined ? send(ctx, undefined, a) : ERROR;
    }),
  },
  stackFlag('+CIPQSEND', 'qsend'),
  {
    name: '+CIPRXGET',
    test: (ctx) => ctx.info(stack(ctx).mux === 1 ? `+CIPRXGET: (0-4),(0-5),(1-${MAX_SEND})` : `+CIPRXGET: (0-4),(1-${MAX_SEND})`),
    read: (ctx) => ctx.info(`+CIPRXGET: ${stack(ctx).rxget}`),
    write: form([int('mode', { min: 0, max: 4 }), optional(int('a', { min: 0, max: 65535 })), optional(int('b', { min: 0, max: 65535 }))], (ctx, [mode, a, b]) => rxget(ctx, mode, a, b)),
  },
  {
    name: '+CIPCLOSE',
    test: [],
    exec: (ctx) => close(ctx, undefined, undefined),
    write: form([int('a', { min: 0, max: 65535 }), optional(int('b', { min: 0, max: 65535 }))], (ctx, [a, b]) => close(ctx, a, b)),
  },
  {
    name: '+CIPACK',
    test: [],
    exec(ctx) {
      const s = stack(ctx);
      const c = s.mux === 1 ? undefined : s.slot(0);
      if (!c) return ERROR;
      ctx.info(`+CIPACK: ${c.bytesUp},${c.bytesAcked},${c.bytesUp - c.bytesAcked}`);
    },
    write: form([int('n', { min: 0, max: 5 })], (ctx, [n]) => {
      const s = stack(ctx);
      const c = s.mux === 1 ? s.slot(n) : undefined;
      if (!c) return ERROR;
      ctx.info(`+CIPACK: ${c.bytesUp},${c.bytesAcked},${c.bytesUp - c.bytesAcked}`);
    }),
  },

  // ---- settings -------------------------------------------------------------------
  stackFlag('+CIPSSL', 'ssl'),
  stackFlag('+CIPHEAD', 'head'),
  stackFlag('+CIPSRIP', 'srip'),
  stackFlag('+CIPSHOWTP', 'showtp'),
  {
    name: '+CIPSPRT',
    test: ['+CIPSPRT: (0-2)'],
    read: (ctx) => ctx.info(`+CIPSPRT: ${stack(ctx).sprt}`),
    write: form([int('n', { min: 0, max: 2 })], (ctx, [n]) => {
      stack(ctx).sprt = n;
    }),
  },
  {
    name: '+CIPMODE',
    test: ['+CIPMODE: (0,1)'],
    read: (ctx) => ctx.info(`+CIPMODE: ${stack(ctx).cipmode}`),
    write: form([flag('n')], (ctx, [n]) => {
      const s = stack(ctx);
      if (s.base !== 'IP INITIAL' && n !== s.cipmode) return ERROR;
      if (n === 1 && s.mux === 1) return ERROR;
      s.cipmode = n;
    }),
  },
  {
    name: '+CIPCCFG',
    test: ['+CIPCCFG: (3-8),(1-10),(1-1460),(0,1),(0,1),(50-1460),(20-1000)'],
    read: (ctx) => ctx.info(`+CIPCCFG: ${stack(ctx).ccfg.join(',')}`),
    write: form(
      [
        int('NmRetry', { min: 3, max: 8 }),
        int('WaitTm', { min: 1, max: 10 }),
        int('SendSz', { min: 1, max: 1460 }),
        flag('esc'),
        optional(flag('Rxmode')),
        optional(int('RxSize', { min: 50, max: 1460 })),
        optional(int('Rxtimer', { min: 20, max: 1000 })),
      ],
      (ctx, values) => {
        const s = stack(ctx);
        s.ccfg = s.ccfg.map((old, i) => values[i] ?? old);
      },
    ),
  },
  {
    name: '+CIPATS',
    test: ['+CIPATS: (0,1),(1-100)'],
    read: (ctx) => {
      const { mode, time } = stack(ctx).ats;
      ctx.info(`+CIPATS: ${mode},${time}`);
    },
    write: form([flag('mode'), optional(int('time', { min: 1, max: 100 }))], (ctx, [mode, time]) => {
      const s = stack(ctx);
      s.ats = { mode, time: time ?? s.ats.time };
    }),
  },
  {
    name: '+CIPTKA',
    test: ['+CIPTKA: (0,1),(30-7200),(30-600),(1-9)'],
    read: (ctx) => ctx.info(`+CIPTKA: ${stack(ctx).tka.join(',')}`),
    write: form(
      [flag('mode'), optional(int('keepIdle', { min: 30, max: 7200 })), optional(int('keepInterval', { min: 30, max: 600 })), optional(int('keepCount', { min: 1, max: 9 }))],
      (ctx, values) => {
        const s = stack(ctx);
        s.tka = s.tka.map((old, i) => values[i] ?? old);
      },
    ),
  },
  {
    name: '+CIPSERVER',
    test: ['+CIPSERVER: (0-CLOSE SERVER, 1-OPEN SERVER),(1,65535)'],
    read(ctx) {
      const srv = stack(ctx).server;
      ctx.info(srv ? `+CIPSERVER: 1,${srv.port},"TCP",0` : '+CIPSERVER: 0');
    },
    write: form([flag('mode'), optional(int('port', { min: 1, max: 65535 }))], (ctx, [mode, port]) => {
      const s = stack(ctx);
      if (mode === 0) {
        if (!s.server) return ERROR;
        s.stopServer(true);
        return;
      }
      if (port === undefined || s.server || s.base !== 'IP STATUS' || (s.mux === 0 && s.slot(0)?.live)) return ERROR;
      s.startServer(port);
    }),
  },
  {
    name: 'O',
    // ATO (V.250): back to data mode after +++ (transparent TCP/IP).
    basic(ctx) {
      const s = stack(ctx);
      const t = s.transparent;
      if (!t || t.online || t.conn.state !== 'CONNECTED') return ERROR;
      ctx.raw(s.resultCode('CONNECT', '1'));
      t.resume();
      return NONE;
    },
  },
  {
    name: '+CDNSCFG',
    test: ['+CDNSCFG: ("pri_dns"),("sec_dns")'],
    read: (ctx) => {
      const [p, s] = stack(ctx).dns;
      ctx.info(`PrimaryDns: ${p}`, `SecondaryDns: ${s}`);
    },
    write: form([str('pri'), optional(str('sec'))], (ctx, [pri, sec]) => {
      if (!IPV4.test(pri) || (sec !== undefined && !IPV4.test(sec))) return ERROR;
      const s = stack(ctx);
      s.dns = [pri, sec ?? s.dns[1]];
    }),
  },

  // ---- PDP contexts (27.007; docs/tcpip.md §2) -------------------------------------------
  {
    name: '+CGDCONT',
    test: ['+CGDCONT: (1-3),"IP",,,(0-2),(0-4)'],
    read(ctx) {
      const lines = [...stack(ctx).contexts.entries()].sort(([a], [b]) => a - b).map(([cid, c]) => `+CGDCONT: ${cid},"${c.type}","${c.apn}","0.0.0.0",0,0`);
      if (lines.length) ctx.info(...lines);
    },
    write: form(
      [int('cid', { min: 1, max: 3 }), optional(str('type')), optional(str('apn', { maxLen: 50 })), optional(str('addr')), optional(int('d_comp', { min: 0, max: 2 })), optional(int('h_comp', { min: 0, max: 4 }))],
      (ctx, [cid, type, apn]) => {
        const contexts = stack(ctx).contexts;
        if (type === undefined) {
          contexts.delete(cid); // AT+CGDCONT=<cid> undefines the context
          return;
        }
        const t = type.toUpperCase();
        if (t !== 'IP' && t !== 'PPP') return cme(CME.invalidInput);
        contexts.set(cid, { type: t, apn: apn ?? '' });
      },
    ),
  },
  {
    name: '+CGACT',
    test: ['+CGACT: (0,1)'],
    read(ctx) {
      const s = stack(ctx);
      const lines = [...s.contexts.keys()].sort((a, b) => a - b).map((cid) => `+CGACT: ${cid},${s.contextActive(cid) ? 1 : 0}`);
      if (lines.length) ctx.info(...lines);
    },
    write: form([flag('state'), optional(int('cid', { min: 1, max: 3 }))], async (ctx, [on, cid]) => {
      const m = ctx.modem;
      const s = stack(ctx);
      const cids = cid !== undefined ? [cid] : [...s.contexts.keys()];
      if (on === 0) {
        for (const c of cids) s.deactivate(c, (l) => ctx.info(l));
        return;
      }
      await m.clock.sleep(m.timing.delay('bearerOpenMs'));
      // 27.007 10.1.10: activating while detached attaches first.
      if (m.bearerBlocker() !== null || !m.setGprsAttached(true, (l) => ctx.info(l))) return cme(CME.gprsError);
      for (const c of cids) {
        if (!s.contexts.has(c)) s.contexts.set(c, { type: 'IP', apn: '' });
        s.cgact.add(c);
      }
    }),
  },
  ...services(stack),
];

export const tcpip: Family = { name: 'tcpip', commands };
