/**
 * A modem's SMS state (docs/sms.md): the text-mode settings of the running session, the
 * message memories (SM, ME) that outlive it, and the network side: messages the control
 * API delivers (stored with +CMTI, routed as +CMT, or held while nothing can take them),
 * and what the firmware sent, concatenated parts joined.
 */
import * as path from 'node:path';
import type { Modem } from '../../modem/modem';
import { fromTe, isHexPairs, toHex, toTe, type Cscs } from './charset';
import {
  addressOf,
  buildSubmit,
  dcsInfo,
  encodeDeliver,
  encodeSca,
  encodeSubmit,
  formatScts,
  makeDcs,
  parsePdu,
  sctsAt,
  splitText,
  tpduOf,
  ucs2Decode,
  withMr,
  type Address,
  type Deliver,
  type Encoding,
  type Scts,
  type Submit,
} from './pdu';
import { toSeptets } from './gsm';
import { Memory, STAT_TEXT, type MemName, type Stat, type Stored } from './store';

export const MEM_NAMES = ['SM', 'ME', 'SM_P', 'ME_P', 'MT'] as const;
export type MemSel = (typeof MEM_NAMES)[number];
export const isMemSel = (s: string): s is MemSel => (MEM_NAMES as readonly string[]).includes(s);

export interface SmsSettings {
  cmgf: number;
  cscs: Cscs;
  csdh: number;
  /** fo, vp, pid, dcs of text-mode SUBMITs. */
  csmp: [number, number, number, number];
  csca: { number: string; toa: number };
  /** mode, mt, bm, ds, bfr. */
  cnmi: [number, number, number, number, number];
  cpms: [MemSel, MemSel, MemSel];
  cmghex: number;
  sclass0: number;
}

/** A place a message can be read from or written to: one memory, or SM and ME together (MT). */
export interface View {
  name: string;
  total: number;
  used: number;
  get(index: number): Stored | undefined;
  set(index: number, s: Stored): void;
  delete(index: number): boolean;
  entries(): [number, Stored][];
  deleteWhere(pick: (s: Stored) => boolean): boolean;
}

export interface SentMessage {
  id: number;
  to: string;
  toa: number;
  text?: string;
  data?: string;
  encoding: Encoding;
  class: number | null;
  parts: number;
  pdus: string[];
  mr: number[];
  sca: string;
  time: string;
  /** The modem's clock when it went out (the AT log's time base). */
  t: number;
  status: 'sent' | 'failed';
  error?: number;
}

/** What POST /sms asks the network to deliver. */
export interface Incoming {
  from: Address;
  encoding: Encoding;
  text?: string;
  data?: Buffer;
  /** A ready SMS-DELIVER TPDU instead of text or data. */
  tpdu?: string;
  scts?: Scts;
  cls: number | null;
  split: boolean;
  ref?: number;
}

export type Delivery = { mem: string; index: number } | 'direct' | 'held';

/** SMS faults the controller sets (src/faults/catalog.ts). */
export interface SmsFaults {
  sendFail: number | null;
  serviceLost: boolean;
  storeFull: boolean;
}

const fresh = (m: Modem): SmsSettings => ({
  cmgf: 0,
  cscs: 'IRA',
  csdh: 0,
  csmp: [17, 167, 0, 0],
  csca: { number: m.config.smsc, toa: m.config.smsc.startsWith('+') ? 145 : 129 },
  cnmi: [2, 1, 0, 0, 0],
  cpms: ['SM', 'SM', 'SM'],
  cmghex: 0,
  sclass0: 0,
});

export class Sms {
  settings: SmsSettings;
  /** AT+CSAS profiles (SIM and NV: kept across power cycles). */
  readonly profiles = new Map<number, { csmp: SmsSettings['csmp']; csca: SmsSettings['csca'] }>();
  readonly sm: Memory;
  readonly me: Memory;
  readonly faults: SmsFaults = { sendFail: null, serviceLost: false, storeFull: false };
  /** Delivered by the network while nothing could take them: retried when something frees. */
  private held: { pdu: string; cls: number | null }[] = [];
  /** URCs kept while AT+CNMI <mode> is 0. */
  private buffered: string[][] = [];
  readonly sent: SentMessage[] = [];
  private readonly pendingParts = new Map<string, { parts: Map<number, { submit: Submit; mr: number; tpdu: string }>; total: number }>();
  private nextId = 1;
  private nextRef = 1;
  private nextIncoming = 1;

  constructor(private readonly modem: Modem) {
    this.settings = fresh(modem);
    const file = (name: string) => (modem.stateDir ? path.join(modem.stateDir, name) : null);
    this.sm = new Memory('SM', modem.config.smsCapacity, file('sms-sm.json'), modem.log);
    this.me = new Memory('ME', modem.config.meSmsCapacity, file('sms-me.json'), modem.log);
  }

  /** Power-up: the session's settings go back to their defaults; the memories and the network stay. */
  reset(): void {
    const saved = this.profiles.get(0);
    this.settings = fresh(this.modem);
    if (saved) {
      this.settings.csmp = [...saved.csmp];
      this.settings.csca = { ...saved.csca };
    }
    this.buffered = [];
  }

  /** Registered again: what the network kept while the module was away arrives (after SMS Ready). */
  networkReady(): void {
    this.retryHeld();
  }

  snapshot(): unknown {
    return {
      stores: { SM: { used: this.sm.used, total: this.sm.capacity }, ME: { used: this.me.used, total: this.me.capacity } },
      held: this.held.length,
      sent: this.sent.length,
    };
  }

  // ---- memories ---------------------------------------------------------------------

  private single(mem: Memory, name: string): View {
    return {
      name,
      total: mem.capacity,
      used: mem.used,
      get: (i) => mem.get(i),
      set: (i, s) => mem.set(i, s),
      delete: (i) => mem.delete(i),
      entries: () => mem.entries(),
      deleteWhere: (pick) => mem.deleteWhere(pick),
    };
  }

  /** The memory <mem1>/<mem2> names, for reading, listing, deleting and writing by index. */
  view(sel: MemSel): View {
    if (sel === 'SM' || sel === 'SM_P') return this.single(this.sm, sel);
    if (sel === 'ME' || sel === 'ME_P') return this.single(this.me, sel);
    const { sm, me } = this;
    const split = (i: number): [Memory, number] => (i <= sm.capacity ? [sm, i] : [me, i - sm.capacity]);
    return {
      name: 'MT',
      total: sm.capacity + me.capacity,
      used: sm.used + me.used,
      get: (i) => {
        const [m, j] = split(i);
        return m.get(j);
      },
      set: (i, s) => {
        const [m, j] = split(i);
        m.set(j, s);
      },
      delete: (i) => {
        const [m, j] = split(i);
        return m.delete(j);
      },
      entries: () => [...sm.entries(), ...me.entries().map(([i, s]): [number, Stored] => [i + sm.capacity, s])],
      deleteWhere: (pick) => {
        const a = sm.deleteWhere(pick);
        const b = me.deleteWhere(pick);
        return a || b;
      },
    };
  }

  /** Where a new message goes for a selection, in preference order, with the name +CMTI shows. */
  private targets(sel: MemSel): { mem: Memory; name: string; offset: number }[] {
    const { sm, me } = this;
    switch (sel) {
      case 'SM':
        return [{ mem: sm, name: 'SM', offset: 0 }];
      case 'ME':
        return [{ mem: me, name: 'ME', offset: 0 }];
      case 'SM_P':
        return [
          { mem: sm, name: 'SM', offset: 0 },
          { mem: me, name: 'ME', offset: 0 },
        ];
      case 'ME_P':
        return [
          { mem: me, name: 'ME', offset: 0 },
          { mem: sm, name: 'SM', offset: 0 },
        ];
      case 'MT':
        return [
          { mem: sm, name: 'MT', offset: 0 },
          { mem: me, name: 'MT', offset: sm.capacity },
        ];
    }
  }

  /** Stores a message in a selection's first memory with room; null when all are full. */
  store(sel: MemSel, s: Stored): { mem: string; index: number } | null {
    if (this.faults.storeFull) return null;
    for (const t of this.targets(sel)) {
      const i = t.mem.freeIndex();
      if (i !== null) {
        t.mem.set(i, s);
        return { mem: t.name, index: i + t.offset };
      }
    }
    return null;
  }

  // ---- what the DTE is shown --------------------------------------------------------

  /** The text-mode body: TE characters for GSM 7-bit without a header, hex octets otherwise. */
  body(p: Deliver | Submit): string {
    if (p.ud.encoding === 'gsm7' && !p.ud.udh) return toTe(p.ud.text, this.settings.cscs);
    return toHex(p.ud.raw);
  }

  private addr(a: Address): string {
    return toTe(a.number, this.settings.cscs);
  }

  private scaField(p: Deliver | Submit): string {
    const sca = p.sca || this.settings.csca.number;
    return `"${toTe(sca, this.settings.cscs)}",${sca.startsWith('+') ? 145 : 129}`;
  }

  /** `+CMGR:` (read), `+CMGL: <i>,` (list) and `+CMT:` header lines and the body line. */
  textLines(prefix: 'CMGR' | 'CMGL' | 'CMT', stat: Stat, pdu: string, index?: number): string[] {
    const p = parsePdu(pdu);
    const body = this.body(p);
    const csdh = this.settings.csdh === 1;
    const head = prefix === 'CMGL' ? `+CMGL: ${index},"${STAT_TEXT[stat]}",` : prefix === 'CMGR' ? `+CMGR: "${STAT_TEXT[stat]}",` : '+CMT: ';
    let line: string;
    if (p.kind === 'deliver') {
      line = `${head}"${this.addr(p.oa)}","","${formatScts(p.scts)}"`;
      if (csdh) line += prefix === 'CMGL' ? `,${p.oa.toa},${body.length}` : `,${p.oa.toa},${p.fo},${p.pid},${p.dcs},${this.scaField(p)},${body.length}`;
    } else {
      line = `${head}"${this.addr(p.da)}",""`;
      if (csdh) line += prefix === 'CMGL' ? `,,${p.da.toa},${body.length}` : `,${p.da.toa},${p.fo},${p.pid},${p.dcs},${p.vp.length === 1 ? p.vp[0] : ''},${this.scaField(p)},${body.length}`;
    }
    return [line, body];
  }

  /** PDU-mode lines: the header with the TPDU length, then the PDU with its SC address. */
  pduLines(prefix: 'CMGR' | 'CMGL' | 'CMT', stat: Stat, pdu: string, index?: number): string[] {
    const { length } = tpduOf(pdu);
    const head = prefix === 'CMGL' ? `+CMGL: ${index},${stat},"",${length}` : prefix === 'CMGR' ? `+CMGR: ${stat},"",${length}` : `+CMT: "",${length}`;
    return [head, pdu];
  }

  lines(prefix: 'CMGR' | 'CMGL' | 'CMT', stat: Stat, pdu: string, index?: number): string[] {
    return this.settings.cmgf === 1 ? this.textLines(prefix, stat, pdu, index) : this.pduLines(prefix, stat, pdu, index);
  }

  // ---- the network delivering to the module -------------------------------------------

  /** Builds the SMS-DELIVER PDUs of a message (several when it is concatenated). */
  deliverPdus(m: Incoming): string[] {
    const sca = this.modem.config.smsc;
    const scts = m.scts ?? sctsAt(this.modem.clock.wallNow(), this.modem.config.timezone);
    if (m.tpdu !== undefined) return [`${toHex(encodeSca(sca))}${m.tpdu.toUpperCase()}`];
    const dcs = makeDcs(m.encoding, m.cls);
    if (m.encoding === '8bit') {
      const data = m.data ?? Buffer.alloc(0);
      const chunks: Buffer[] = [];
      if (data.length <= 140 || !m.split) chunks.push(data);
      else for (let i = 0; i < data.length; i += 134) chunks.push(data.subarray(i, i + 134));
      const ref = (m.ref ?? this.nextRef++) & 0xff;
      return chunks.map((c, i) =>
        encodeDeliver({ sca, oa: m.from, pid: 0, dcs, scts, udh: chunks.length > 1 ? Buffer.from([0, 3, ref, chunks.length, i + 1]) : null, payload: { data: c } }),
      );
    }
    const parts = m.split ? splitText(m.text ?? '', m.encoding) : [m.text ?? ''];
    const ref = (m.ref ?? this.nextRef++) & 0xff;
    return parts.map((t, i) =>
      encodeDeliver({ sca, oa: m.from, pid: 0, dcs, scts, udh: parts.length > 1 ? Buffer.from([0, 3, ref, parts.length, i + 1]) : null, payload: { text: t } }),
    );
  }

  /** POST /sms: every part delivered the way AT+CNMI says, or held. */
  deliver(m: Incoming): { id: number; parts: number; delivered: Delivery[] } {
    const pdus = this.deliverPdus(m);
    this.retryHeld();
    const delivered = pdus.map((pdu) => this.route(pdu, dcsInfo(parsePdu(pdu).dcs).cls));
    return { id: this.nextIncoming++, parts: pdus.length, delivered };
  }

  /** Whether the network can reach the module now. */
  private reachable(): boolean {
    const m = this.modem;
    return m.powered && m.isRegistered && m.sim === 'READY' && !this.faults.serviceLost;
  }

  private route(pdu: string, cls: number | null): Delivery {
    if (!this.reachable()) {
      this.held.push({ pdu, cls });
      return 'held';
    }
    const mt = this.settings.cnmi[1];
    const direct = (cls === 0 && this.settings.sclass0 === 0) || (mt === 2 && cls !== 2) || (mt === 3 && cls === 3);
    if (direct) {
      this.emit(this.lines('CMT', 0, pdu));
      return 'direct';
    }
    const at = this.store(this.settings.cpms[2], { stat: 0, pdu });
    if (!at) {
      this.held.push({ pdu, cls });
      return 'held';
    }
    if (mt !== 0) this.emit([`+CMTI: "${at.mem}",${at.index}`]);
    return at;
  }

  /** A fault starts or ends (src/faults/catalog.ts); what the network kept may arrive now. */
  setFault<K extends keyof SmsFaults>(key: K, value: SmsFaults[K]): void {
    this.faults[key] = value;
    this.retryHeld();
  }

  /** Messages the network kept: delivered now if they can be. */
  retryHeld(): void {
    if (this.held.length === 0) return;
    const waiting = this.held;
    this.held = [];
    for (const h of waiting) this.route(h.pdu, h.cls);
  }

  private emit(lines: string[]): void {
    if (this.settings.cnmi[0] === 0) this.buffered.push(lines);
    else if (lines.length === 1) this.modem.urc(lines[0]);
    else this.modem.urcBlock(lines);
  }

  /** AT+CNMI: leaving mode 0 flushes (bfr 0) or clears (bfr 1) what was buffered, after the OK. */
  setCnmi(next: SmsSettings['cnmi']): void {
    const wasBuffering = this.settings.cnmi[0] === 0;
    this.settings.cnmi = next;
    if (wasBuffering && next[0] !== 0) {
      const kept = this.buffered;
      this.buffered = [];
      if (next[4] === 0) for (const l of kept) this.emit(l);
    }
  }

  // ---- the module sending -------------------------------------------------------------

  /** Why sending fails now (a CMS code), or null. */
  sendBlocker(): number | null {
    const m = this.modem;
    if (!m.isRegistered || this.faults.serviceLost) return 331;
    if (this.faults.sendFail !== null) return this.faults.sendFail;
    return null;
  }

  /** An SMS-SUBMIT reaches the network: numbered, recorded; concatenated parts joined when all are in. */
  sendToNetwork(pdu: string): { mr: number } | { error: number } {
    const blocker = this.sendBlocker();
    const time = new Date(this.modem.clock.wallNow()).toISOString();
    if (blocker !== null) {
      const s = parsePdu(pdu);
      if (s.kind === 'submit') this.record([{ submit: s, mr: -1, tpdu: tpduOf(pdu).tpdu }], time, 'failed', blocker);
      return { error: blocker };
    }
    const mr = this.sm.nextMr();
    const numbered = withMr(pdu, mr);
    const s = parsePdu(numbered);
    if (s.kind !== 'submit') return { error: 304 };
    const part = { submit: s, mr, tpdu: tpduOf(numbered).tpdu };
    const c = s.ud.concat;
    if (!c || c.total <= 1) this.record([part], time, 'sent');
    else {
      const key = `${s.da.number}|${c.ref}|${c.total}`;
      const entry = this.pendingParts.get(key) ?? { parts: new Map(), total: c.total };
      entry.parts.set(c.seq, part);
      this.pendingParts.set(key, entry);
      if (entry.parts.size >= entry.total) {
        this.pendingParts.delete(key);
        this.record([...entry.parts.entries()].sort(([a], [b]) => a - b).map(([, p]) => p), time, 'sent');
      }
    }
    return { mr };
  }

  private record(parts: { submit: Submit; mr: number; tpdu: string }[], time: string, status: 'sent' | 'failed', error?: number): void {
    const first = parts[0].submit;
    const { encoding, cls } = dcsInfo(first.dcs);
    const joined = parts.map((p) => p.submit.ud);
    const msg: SentMessage = {
      id: this.nextId++,
      to: first.da.number,
      toa: first.da.toa,
      encoding,
      class: cls,
      parts: parts.length,
      pdus: parts.map((p) => p.tpdu),
      mr: parts.map((p) => p.mr),
      sca: first.sca || this.settings.csca.number,
      time,
      t: this.modem.clock.now(),
      status,
    };
    if (encoding === '8bit') msg.data = toHex(Buffer.concat(joined.map((u) => u.payload)));
    else msg.text = joined.map((u) => u.text).join('');
    if (error !== undefined) msg.error = error;
    this.sent.push(msg);
  }

  // ---- text-mode input ----------------------------------------------------------------

  /**
   * The SUBMIT a text-mode AT+CMGS/AT+CMGW builds from what was typed, with +CSMP and
   * +CSCS; a CMS code when the text cannot be one SMS.
   */
  submitFromText(da: Address, typed: Buffer): string | number {
    const [fo, vp, pid, dcs] = this.settings.csmp;
    const { encoding } = dcsInfo(dcs);
    const udhi = (fo & 0x40) !== 0;
    const vpf = (fo >> 3) & 3;
    const foOut = vpf === 2 ? fo : fo & ~0x18; // only a relative validity period is kept
    const vpOut = vpf === 2 ? Buffer.from([vp]) : Buffer.alloc(0);
    const base = { sca: this.settings.csca.number, fo: foOut, mr: 0, da, pid, dcs, vp: vpOut };
    let raw = typed.toString('latin1');
    if (encoding === 'gsm7' && !udhi) {
      const { cscs, cmghex } = this.settings;
      // Without +CMGHEX=1 a GSM-coded text cannot carry control codes other than CR and LF.
      if (cscs === 'GSM' && cmghex === 0) raw = raw.replace(/[\x00-\x09\x0b\x0c\x0e-\x1f]/g, '');
      const text = fromTe(raw, cscs);
      if (text === null) return 305;
      const safe = [...text].map((c) => (toSeptets(c) ? c : '?')).join('');
      if ((toSeptets(safe) ?? []).length > 160) return 305;
      return encodeSubmit({ ...base, udh: null, payload: { text: safe } });
    }
    if (!isHexPairs(raw)) return 305;
    const octets = Buffer.from(raw, 'hex');
    if (octets.length > 140) return 305;
    let udh: Buffer | null = null;
    let rest = octets;
    if (udhi) {
      const udhl = octets[0] ?? 0;
      if (1 + udhl > octets.length) return 305;
      udh = octets.subarray(1, 1 + udhl);
      rest = octets.subarray(1 + udhl);
    }
    // A 7-bit text with a header was typed as TP-UD octets: the septets are already packed.
    if (encoding === 'gsm7') return buildSubmit(base, Math.floor((octets.length * 8) / 7), octets, true);
    return encodeSubmit({ ...base, udh, payload: encoding === 'ucs2' ? { text: ucs2Decode(rest) } : { data: rest } });
  }

  /** The DA of a text-mode command in the TE character set. */
  daFrom(typed: string, toda: number | undefined): Address | null {
    // TinyGSM types a plain number while +CSCS is "HEX" and its SMS goes out on the module:
    // a number that is not in the set's form is taken as it is.
    for (const candidate of [fromTe(typed, this.settings.cscs), typed]) {
      if (candidate !== null && /^\+?[0-9*#]{1,20}$/.test(candidate)) return addressOf(candidate, toda);
    }
    return null;
  }
}

export type { MemName, Stat, Stored };
