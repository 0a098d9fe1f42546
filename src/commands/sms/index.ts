/**
 * The SMS commands of 3GPP TS 27.005 as the SIM800 has them, and SIMCom's +CMGDA and
 * +CMGHEX (docs/sms.md has every answer byte for byte, with its sources).
 *
 * | command | what |
 * |---|---|
 * | +CMGF, +CSCS, +CSDH, +CSMP, +CSCA, +CNMI, +CPMS, +CMGHEX, +SCLASS0 | settings |
 * | +CSAS, +CRES | save / restore +CSCA and +CSMP |
 * | +CMGR, +CMGL, +CMGD, +CMGDA | read (marking read), list, delete |
 * | +CMGS, +CMGW, +CMSS | send (text up to Ctrl-Z, or a PDU), write to memory, send from memory |
 */
import { int, optional, str, tokenize, toInt } from '../../at/args';
import type { CollectOptions } from '../../at/command';
import { CME } from '../../at/cme';
import { OK, cme, cms, type Final } from '../../at/result';
import { smsFeature } from '../features';
import { form, type Command, type Ctx, type Family } from '../family';
import { CSCS_SETS, fromTe, isCscs, toTe } from './charset';
import { isExtCode } from './gsm';
import { PduError, parsePdu, parseTpdu, withDa, withSca } from './pdu';
import { MEM_NAMES, isMemSel, type MemSel, type SmsSettings, type Stat } from './sms';
import { STAT_TEXT } from './store';

const sms = (ctx: Ctx) => ctx.modem.feature(smsFeature);
const settings = (ctx: Ctx) => sms(ctx).settings;
const textMode = (ctx: Ctx) => settings(ctx).cmgf === 1;

/** SMS commands need a ready SIM: 310 without one, 314 while it is not ready (CFUN=0). */
function simBlocked(ctx: Ctx): Final | null {
  const sim = ctx.modem.sim;
  if (sim === 'READY') return null;
  return cms(sim === 'NOT INSERTED' ? 310 : 314);
}

/** Waits on the modem's clock; never resolves when the module loses power meanwhile. */
const wait = (ctx: Ctx, key: 'smsSendMs') => new Promise<void>((resolve) => ctx.modem.schedule(ctx.modem.timing.delay(key), resolve));

const STAT_NAMES = [...STAT_TEXT, 'ALL'] as const;
const DELA_TEXT = ['DEL READ', 'DEL UNREAD', 'DEL SENT', 'DEL UNSENT', 'DEL INBOX', 'DEL ALL'] as const;
/** +CMGDA type (1-6) → the statuses it deletes. */
const DELA_STATS: readonly (readonly Stat[])[] = [[1], [0], [3], [2], [0, 1], [0, 1, 2, 3]];
/** +CMGD delflag (1-4) → the statuses it deletes. */
const DELFLAG_STATS: readonly (readonly Stat[])[] = [[], [1], [1, 3], [1, 2, 3], [0, 1, 2, 3]];

/** One token of a raw argument string, unquoted; undefined when absent. */
function tokens(args: string): (string | undefined)[] | null {
  const t = tokenize(args);
  return t === null ? null : t.map((x) => x?.value);
}

/** A +CMGL/+CMGW <stat> in the current mode: a name in text mode, 0–4 (or 0–3) in PDU mode. */
function statArg(ctx: Ctx, v: string | undefined, withAll: boolean): number | null | 'wrong-mode' {
  if (v === undefined) return null;
  const names: readonly string[] = withAll ? STAT_NAMES : STAT_TEXT;
  if (textMode(ctx)) {
    const i = names.indexOf(v.toUpperCase());
    if (i >= 0) return i;
    return toInt(v) !== null ? 'wrong-mode' : -1;
  }
  const n = toInt(v);
  if (n !== null) return n >= 0 && n < names.length ? n : -1;
  return names.includes(v.toUpperCase()) ? 'wrong-mode' : -1;
}

/**
 * Text entry (27.005 +CMGS): `> `, then the text up to Ctrl-Z (send) or ESC (cancel),
 * echoed under ATE1 with a CR echoed as a new `> `, S5 as backspace; it waits as long as
 * the DTE takes. `keepEscape` keeps the GSM escape to the extension table as text.
 */
const textEntry = (keepEscape?: (next: number) => boolean): CollectOptions => ({
  end: 0x1a,
  cancel: 0x1b,
  max: 4096,
  overflow: 'drop',
  edit: true,
  keepEscape,
});

/** AT+CMGS / AT+CMGW in text mode: the DA, the prompt, the SUBMIT built from the text. */
async function takeText(ctx: Ctx, daTyped: string | undefined, toda: number | undefined): Promise<string | Final> {
  const s = sms(ctx);
  const da = daTyped === undefined ? { number: '', toa: 129 } : s.daFrom(daTyped, toda);
  if (da === null) return cms(305);
  const { cscs, cmghex } = s.settings;
  const entry = await ctx.collect(textEntry(cmghex === 1 && cscs === 'GSM' ? isExtCode : undefined));
  if (entry === 'cancel' || entry === null) return OK;
  const pdu = s.submitFromText(da, entry);
  return typeof pdu === 'number' ? cms(pdu) : pdu;
}

/** AT+CMGS / AT+CMGW in PDU mode: the prompt, the PDU checked against <length>. */
async function takePdu(ctx: Ctx, length: number): Promise<string | Final> {
  const entry = await ctx.collect(textEntry());
  if (entry === 'cancel' || entry === null) return OK;
  const hex = entry.toString('latin1').replace(/[\r\n]/g, '');
  try {
    if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) throw new PduError('not hex');
    const b = Buffer.from(hex, 'hex');
    const scaOctets = b[0];
    if (scaOctets > 11 || b.length !== 1 + scaOctets + length) throw new PduError('length');
    const p = parseTpdu(b.subarray(1 + scaOctets));
    if (p.kind !== 'submit') throw new PduError('not a SUBMIT');
  } catch {
    return cms(304);
  }
  const upper = hex.toUpperCase();
  const s = sms(ctx);
  if (upper.startsWith('00')) {
    if (!s.settings.csca.number) return cms(330);
    return withSca(upper, s.settings.csca.number);
  }
  return upper;
}

/** Sends a SUBMIT after the network's round trip: `+<name>: <mr>`, or the CMS error. */
async function send(ctx: Ctx, name: '+CMGS' | '+CMSS', pdu: string): Promise<Final | number> {
  await wait(ctx, 'smsSendMs');
  const r = sms(ctx).sendToNetwork(pdu);
  if ('error' in r) return cms(r.error);
  ctx.info(`${name}: ${r.mr}`);
  return r.mr;
}

function storeWritten(ctx: Ctx, pdu: string, stat: Stat): Final {
  const at = sms(ctx).store(settings(ctx).cpms[1], { stat, pdu });
  if (!at) return cms(322);
  ctx.info(`+CMGW: ${at.index}`);
  return OK;
}

/** The <mem1> index check of +CMGR/+CMGD: 321 outside the memory. */
function inRange(ctx: Ctx, index: number): boolean {
  const v = sms(ctx).view(settings(ctx).cpms[0]);
  return Number.isInteger(index) && index >= 1 && index <= v.total;
}

const onOff = (name: string, key: 'csdh' | 'cmghex' | 'sclass0'): Command => ({
  name,
  test: [`${name}: (0,1)`],
  read: (ctx) => ctx.info(`${name}: ${settings(ctx)[key]}`),
  exec: (ctx) => {
    settings(ctx)[key] = 0;
  },
  write: form([int('n', { min: 0, max: 1 })], (ctx, [n]) => {
    settings(ctx)[key] = n;
  }),
});

const cpmsCounts = (ctx: Ctx) =>
  settings(ctx)
    .cpms.map((m) => {
      const v = sms(ctx).view(m);
      return `${v.used},${v.total}`;
    })
    .join(',');

const MEM_LIST = `(${MEM_NAMES.map((m) => `"${m}"`).join(',')})`;

const commands: Command[] = [
  // ---- settings ------------------------------------------------------------------------
  {
    name: '+CMGF',
    test: ['+CMGF: (0,1)'],
    read: (ctx) => ctx.info(`+CMGF: ${settings(ctx).cmgf}`),
    exec: (ctx) => {
      settings(ctx).cmgf = 0;
    },
    write: form([int('mode', { min: 0, max: 1 })], (ctx, [mode]) => {
      settings(ctx).cmgf = mode;
    }),
  },
  {
    name: '+CSCS',
    test: [`+CSCS: (${CSCS_SETS.map((c) => `"${c}"`).join(',')})`],
    read: (ctx) => ctx.info(`+CSCS: "${settings(ctx).cscs}"`),
    write: form([str('chset')], (ctx, [chset]) => {
      const c = chset.toUpperCase();
      // MAN's own example: AT+CSCS="TEST" answers CME 765.
      if (!isCscs(c)) return cme(CME.invalidInput);
      settings(ctx).cscs = c;
    }),
  },
  onOff('+CSDH', 'csdh'),
  onOff('+CMGHEX', 'cmghex'),
  onOff('+SCLASS0', 'sclass0'),
  {
    name: '+CSMP',
    test: ['+CSMP: (0-255),(0-255),(0-255),(0-255)'],
    read: (ctx) => ctx.info(`+CSMP: ${settings(ctx).csmp.join(',')}`),
    write: form(
      [optional(int('fo', { min: 0, max: 255 })), optional(int('vp', { min: 0, max: 255 })), optional(int('pid', { min: 0, max: 255 })), optional(int('dcs', { min: 0, max: 255 }))],
      (ctx, args) => {
        const s = settings(ctx);
        s.csmp = [args[0] ?? s.csmp[0], args[1] ?? s.csmp[1], args[2] ?? s.csmp[2], args[3] ?? s.csmp[3]];
      },
    ),
  },
  {
    name: '+CSCA',
    test: [],
    read: (ctx) => {
      const { csca, cscs } = settings(ctx);
      ctx.info(`+CSCA: "${toTe(csca.number, cscs)}",${csca.toa}`);
    },
    write: form([str('sca', { maxLen: 88 }), optional(int('tosca', { min: 128, max: 255 }))], (ctx, [sca, tosca]) => {
      const number = fromTe(sca, settings(ctx).cscs);
      if (number === null || !/^\+?[0-9*#]{0,20}$/.test(number)) return cms(304);
      settings(ctx).csca = { number, toa: tosca ?? (number.startsWith('+') ? 145 : 129) };
    }),
  },
  {
    name: '+CNMI',
    test: ['+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)'],
    read: (ctx) => ctx.info(`+CNMI: ${settings(ctx).cnmi.join(',')}`),
    write: form(
      [int('mode', { min: 0, max: 3 }), optional(int('mt', { min: 0, max: 3 })), optional(int('bm', { values: [0, 2] })), optional(int('ds', { min: 0, max: 2 })), optional(int('bfr', { min: 0, max: 1 }))],
      (ctx, args) => {
        const old = settings(ctx).cnmi;
        const next: SmsSettings['cnmi'] = [args[0], args[1] ?? old[1], args[2] ?? old[2], args[3] ?? old[3], args[4] ?? old[4]];
        sms(ctx).setCnmi(next);
      },
    ),
  },
  {
    name: '+CPMS',
    test: [`+CPMS: ${MEM_LIST},${MEM_LIST},${MEM_LIST}`],
    read: (ctx) => {
      const parts = settings(ctx).cpms.map((m) => {
        const v = sms(ctx).view(m);
        return `"${m}",${v.used},${v.total}`;
      });
      return simBlocked(ctx) ?? ctx.info(`+CPMS: ${parts.join(',')}`);
    },
    writeRaw(ctx, args) {
      const t = tokens(args);
      if (t === null || t.length === 0 || t.length > 3 || t[0] === undefined) return cme(CME.invalidInput);
      const blocked = simBlocked(ctx);
      if (blocked) return blocked;
      const names = t.map((x) => x?.toUpperCase());
      if (names.some((n) => n !== undefined && !isMemSel(n))) return cms(302);
      const s = settings(ctx);
      const pick = (i: number): MemSel => {
        const n = names[i];
        return n !== undefined && isMemSel(n) ? n : s.cpms[i];
      };
      s.cpms = [pick(0), pick(1), pick(2)];
      ctx.info(`+CPMS: ${cpmsCounts(ctx)}`);
    },
  },
  {
    name: '+CSAS',
    test: ['+CSAS: (0-3)'],
    exec: (ctx) => saveProfile(ctx, 0),
    write: form([int('profile', { min: 0, max: 3 })], (ctx, [p]) => saveProfile(ctx, p)),
  },
  {
    name: '+CRES',
    test: ['+CRES: (0-3)'],
    exec: (ctx) => restoreProfile(ctx, 0),
    write: form([int('profile', { min: 0, max: 3 })], (ctx, [p]) => restoreProfile(ctx, p)),
  },

  // ---- reading, listing, deleting ---------------------------------------------------------
  {
    name: '+CMGR',
    test: [],
    write: form([int('index'), optional(int('mode', { min: 0, max: 1 }))], (ctx, [index, mode]) => {
      const blocked = simBlocked(ctx);
      if (blocked) return blocked;
      if (!inRange(ctx, index)) return cms(321);
      const s = sms(ctx);
      const v = s.view(settings(ctx).cpms[0]);
      const m = v.get(index);
      if (!m) return; // an empty location: a bare OK
      ctx.info(...s.lines('CMGR', m.stat, m.pdu));
      if (m.stat === 0 && mode !== 1) v.set(index, { ...m, stat: 1 });
    }),
  },
  {
    name: '+CMGL',
    test: (ctx) => ctx.info(textMode(ctx) ? `+CMGL: (${STAT_NAMES.map((n) => `"${n}"`).join(',')})` : '+CMGL: (0-4)'),
    exec: (ctx) => list(ctx, 0, 0),
    writeRaw(ctx, args) {
      const t = tokens(args);
      if (t === null || t.length > 2) return cme(CME.invalidInput);
      const stat = statArg(ctx, t[0], true);
      if (stat === 'wrong-mode') return cms(302);
      if (stat === -1) return cme(CME.invalidInput);
      const mode = t[1] === undefined ? 0 : toInt(t[1]);
      if (mode !== 0 && mode !== 1) return cme(CME.invalidInput);
      return list(ctx, stat ?? 0, mode);
    },
  },
  {
    name: '+CMGD',
    test: (ctx) => ctx.info(`+CMGD: (1-${sms(ctx).view(settings(ctx).cpms[0]).total}),(0-4)`),
    write: form([int('index'), optional(int('delflag', { min: 0, max: 4 }))], (ctx, [index, flag]) => {
      const blocked = simBlocked(ctx);
      if (blocked) return blocked;
      const s = sms(ctx);
      const v = s.view(settings(ctx).cpms[0]);
      if (!flag) {
        if (!inRange(ctx, index)) return cms(321);
        v.delete(index);
      } else {
        const stats = DELFLAG_STATS[flag];
        v.deleteWhere((m) => stats.includes(m.stat));
      }
      s.retryHeld();
    }),
  },
  {
    name: '+CMGDA',
    test: (ctx) => ctx.info(textMode(ctx) ? `+CMGDA: (${DELA_TEXT.map((n) => `"${n}"`).join(',')})` : '+CMGDA: (1-6)'),
    writeRaw(ctx, args) {
      const t = tokens(args);
      if (t === null || t.length !== 1 || t[0] === undefined) return cme(CME.invalidInput);
      const v = t[0];
      const asText = DELA_TEXT.findIndex((d) => d === v.toUpperCase());
      const asNum = toInt(v);
      let type: number;
      if (textMode(ctx)) {
        if (asText < 0) return asNum !== null ? cms(302) : cme(CME.invalidInput);
        type = asText + 1;
      } else {
        if (asNum === null) return asText >= 0 ? cms(302) : cme(CME.invalidInput);
        if (asNum < 1 || asNum > 6) return cme(CME.invalidInput);
        type = asNum;
      }
      const blocked = simBlocked(ctx);
      if (blocked) return blocked;
      const s = sms(ctx);
      const stats = DELA_STATS[type - 1];
      s.view(settings(ctx).cpms[0]).deleteWhere((m) => stats.includes(m.stat));
      s.retryHeld();
    },
  },

  // ---- sending and writing ---------------------------------------------------------------
  {
    name: '+CMGS',
    test: [],
    async writeRaw(ctx, args) {
      const t = tokens(args);
      if (t === null || t.length === 0 || t.length > 2 || t[0] === undefined) return cme(CME.invalidInput);
      const blocked = simBlocked(ctx);
      if (blocked) return blocked;
      let pdu: string | Final;
      if (textMode(ctx)) {
        const toda = t[1] === undefined ? undefined : toInt(t[1]);
        if (toda === null || (toda !== undefined && (toda < 128 || toda > 255))) return cme(CME.invalidInput);
        pdu = await takeText(ctx, t[0], toda);
      } else {
        const length = toInt(t[0]);
        if (length === null || t.length > 1) return cme(CME.invalidInput);
        if (length < 7 || length > 164) return cms(304);
        pdu = await takePdu(ctx, length);
      }
      if (typeof pdu !== 'string') return pdu;
      const r = await send(ctx, '+CMGS', pdu);
      return typeof r === 'number' ? OK : r;
    },
  },
  {
    name: '+CMGW',
    test: [],
    exec: async (ctx) => {
      const blocked = simBlocked(ctx);
      if (blocked) return blocked;
      if (!textMode(ctx)) return cme(CME.invalidInput);
      const pdu = await takeText(ctx, undefined, undefined);
      return typeof pdu === 'string' ? storeWritten(ctx, pdu, 2) : pdu;
    },
    async writeRaw(ctx, args) {
      const t = tokens(args);
      if (t === null || t.length === 0 || t.length > 3) return cme(CME.invalidInput);
      const blocked = simBlocked(ctx);
      if (blocked) return blocked;
      if (textMode(ctx)) {
        const toda = t[1] === undefined ? undefined : toInt(t[1]);
        if (toda === null) return cme(CME.invalidInput);
        const stat = statArg(ctx, t[2], false);
        if (stat === 'wrong-mode') return cms(302);
        if (stat === -1) return cme(CME.invalidInput);
        const pdu = await takeText(ctx, t[0], toda);
        return typeof pdu === 'string' ? storeWritten(ctx, pdu, statOr(stat, 2)) : pdu;
      }
      const length = t[0] === undefined ? null : toInt(t[0]);
      if (length === null || t.length > 2) return cme(CME.invalidInput);
      const stat = statArg(ctx, t[1], false);
      if (stat === 'wrong-mode' || stat === -1) return cme(CME.invalidInput);
      if (length < 7 || length > 164) return cms(304);
      const pdu = await takePdu(ctx, length);
      return typeof pdu === 'string' ? storeWritten(ctx, pdu, statOr(stat, 2)) : pdu;
    },
  },
  {
    name: '+CMSS',
    test: [],
    async writeRaw(ctx, args) {
      const t = tokens(args);
      if (t === null || t.length === 0 || t.length > 3 || t[0] === undefined) return cme(CME.invalidInput);
      const index = toInt(t[0]);
      const toda = t[2] === undefined ? undefined : toInt(t[2]);
      if (index === null || toda === null) return cme(CME.invalidInput);
      const blocked = simBlocked(ctx);
      if (blocked) return blocked;
      const s = sms(ctx);
      const v = s.view(settings(ctx).cpms[1]);
      const m = index >= 1 && index <= v.total ? v.get(index) : undefined;
      if (!m) return cms(321);
      if (parsePdu(m.pdu).kind !== 'submit') return cms(302);
      let pdu = m.pdu;
      if (t[1] !== undefined) {
        const da = s.daFrom(t[1], toda);
        if (!da) return cms(305);
        pdu = withDa(pdu, da);
      }
      const r = await send(ctx, '+CMSS', pdu);
      if (typeof r !== 'number') return r;
      const now = v.get(index);
      if (now) v.set(index, { ...now, stat: 3 });
    },
  },
];

const statOr = (s: number | null, d: Stat): Stat => (s === 0 || s === 1 || s === 2 || s === 3 ? s : d);

function list(ctx: Ctx, stat: number, mode: number): Final | void {
  const blocked = simBlocked(ctx);
  if (blocked) return blocked;
  const s = sms(ctx);
  const v = s.view(settings(ctx).cpms[0]);
  const out: string[] = [];
  for (const [i, m] of v.entries()) {
    if (stat !== 4 && m.stat !== stat) continue;
    out.push(...s.lines('CMGL', m.stat, m.pdu, i));
    if (m.stat === 0 && mode === 0) v.set(i, { ...m, stat: 1 });
  }
  if (out.length) ctx.info(...out);
}

function saveProfile(ctx: Ctx, p: number): void {
  const s = settings(ctx);
  sms(ctx).profiles.set(p, { csmp: [...s.csmp], csca: { ...s.csca } });
}

function restoreProfile(ctx: Ctx, p: number): void {
  const saved = sms(ctx).profiles.get(p);
  const s = settings(ctx);
  if (saved) {
    s.csmp = [...saved.csmp];
    s.csca = { ...saved.csca };
  }
}

export const smsFamily: Family = { name: 'sms', commands };
