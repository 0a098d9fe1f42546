/**
 * Compatibility commands: the rest of what common SIM800 firmware libraries send during
 * start-up and GPRS connect (TinyGSM's SIM800 driver, Adafruit FONA begin()/enableGPRS()).
 * Each answers as the module does (SIM800 AT Command Manual V1.09, "MAN"); the TCP/IP
 * application stack (CSTT/CIICR/CIFSR/CIPSTATUS/CIPSHUT) keeps the manual's state
 * machine but opens no sockets.
 *
 * | command            | answer                                                     | source                     |
 * |--------------------|------------------------------------------------------------|----------------------------|
 * | +CIPSHUT           | `SHUT OK` instead of OK; stack back to IP INITIAL           | MAN 8.2.7; FONA, TinyGSM   |
 * | +CSTT=apn[,u,p]    | OK in IP INITIAL (→ IP START), else ERROR                   | MAN 8.2.9; TinyGSM, FONA   |
 * | +CIICR             | OK in IP START when the network allows (→ IP GPRSACT)       | MAN 8.2.10                 |
 * | +CIFSR             | the bare address line, no OK (→ IP STATUS); ERROR before    | MAN 8.2.11; TinyGSM `;E0`  |
 * | +CIPSTATUS         | OK, then `STATE: <state>` (and `C:` lines with CIPMUX=1)    | MAN 8.2.12; FONA reads OK first |
 * | +CIPMUX, +CIPQSEND, +CIPRXGET, +CIPSSL | OK / read / test; CIPMUX only in IP INITIAL | MAN 8.2.1, 8.2.4, 8.2.26   |
 * | +CDNSCFG           | OK; read `PrimaryDns: …` / `SecondaryDns: …`                | MAN 8.2.13; TinyGSM        |
 * | +CGDCONT, +CGACT   | OK; CGACT=1 attaches first (27.007 10.1.10)                 | MAN 7.2; TinyGSM           |
 * | +CBATCHK, +CVHU, +CMGF, +CSCS, +CNMI, +CNETLIGHT, +CLIP, +CSGS, +IFC, +ICF | settings: OK, read, test | MAN; TinyGSM, FONA |
 * | +CNUM              | OK (the emulated SIM stores no own number)                  | MAN 3.2.x                  |
 * | +CPOWD=1 / =0      | `NORMAL POWER DOWN` / nothing, then silence                 | MAN 4.2.1; TinyGSM         |
 *
 * None of these settings is part of the AT&W profile here; they return to their defaults
 * at every power-up.
 */
import type { ParamSpec } from '../at/args';
import type { CommandContext, CommandDef } from '../at/command';
import { CME } from '../at/cme';
import { ERROR, NONE, cme, text, type Final } from '../at/result';
import type { Modem } from '../modem/modem';
import { simError } from './identity';

/** The TCP/IP stack's states (MAN 8.2.12 <state>), the ones reachable without sockets. */
export type CipState = 'IP INITIAL' | 'IP START' | 'IP GPRSACT' | 'IP STATUS' | 'PDP DEACT';

interface CompatState {
  cip: { state: CipState; apn: string; user: string; pwd: string; ip: string };
  /** Plain numeric and string settings, by command name. */
  values: Record<string, number | string | number[]>;
  /** AT+CGDCONT contexts and their AT+CGACT state. */
  contexts: Map<number, { type: string; apn: string; active: boolean }>;
  dns: [string, string];
}

const DEFAULTS: CompatState['values'] = {
  '+CIPMUX': 0,
  '+CIPQSEND': 0,
  '+CIPRXGET': 0,
  '+CIPSSL': 0,
  '+CBATCHK': 0,
  '+CVHU': 0,
  '+CMGF': 0,
  '+CSCS': 'IRA',
  '+CNMI': [2, 1, 0, 0, 0],
  '+CNETLIGHT': 1,
  '+CLIP': 0,
  '+CSGS': 1,
  '+IFC': [0, 0],
  '+ICF': [3, 3],
};

function fresh(): CompatState {
  return {
    cip: { state: 'IP INITIAL', apn: 'CMNET', user: '', pwd: '', ip: '0.0.0.0' },
    values: structuredClone(DEFAULTS),
    contexts: new Map(),
    dns: ['0.0.0.0', '0.0.0.0'],
  };
}

/** Per-modem state, back to defaults at every power-up; contexts go down with the PDP. */
function state(m: Modem): CompatState {
  let s = m.ext.compat as CompatState | undefined;
  if (!s) {
    const st = fresh();
    m.on('reset', () => Object.assign(st, fresh()));
    m.on('pdpDown', (report) => {
      if (st.cip.state === 'IP GPRSACT' || st.cip.state === 'IP STATUS') {
        st.cip.state = 'PDP DEACT';
        report.active = true;
      }
      for (const c of st.contexts.values()) {
        if (c.active) report.active = true;
        c.active = false;
      }
    });
    m.ext.compat = s = st;
  }
  return s;
}

const st = (ctx: CommandContext) => state(ctx.modem);

/** A numeric setting: its write form takes the params, read prints them joined by commas. */
function setting(name: string, test: string, params: ParamSpec[]): CommandDef {
  return {
    name,
    test: [test],
    read: (ctx) => {
      const v = st(ctx).values[name];
      ctx.info(`${name}: ${Array.isArray(v) ? v.join(',') : v}`);
    },
    write: {
      params,
      run(ctx, args) {
        const values = st(ctx).values;
        const old = values[name];
        if (Array.isArray(old)) values[name] = old.map((v, i) => (args[i] as number | undefined) ?? v);
        else values[name] = args[0] as number;
      },
    },
  };
}

const int = (name: string, min: number, max: number, optional = false): ParamSpec => ({ kind: 'int', name, min, max, optional });
const flag = (name: string, test = `${name}: (0,1)`) => setting(name, test, [int('n', 0, 1)]);

const CSCS_SETS = ['IRA', 'GSM', 'UCS2', 'HEX', 'PCCP', 'PCDN', '8859-1'];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** The stack is up in these states: CIFSR answers, CIPSHUT has something to shut. */
const CIP_ACTIVE: readonly CipState[] = ['IP GPRSACT', 'IP STATUS'];

/** AT+CIICR: the PDP context of the TCP/IP stack, attaching first like any activation. */
async function bringUp(ctx: CommandContext): Promise<Final | void> {
  const m = ctx.modem;
  const cip = st(ctx).cip;
  if (cip.state !== 'IP START') return ERROR;
  await m.clock.sleep(m.profile.bearerOpenMs);
  if (m.bearerBlocker() !== null || !m.setAttached(true, (l) => ctx.info(l))) return ERROR;
  // One PDP context per APN on a real network: share the SAPBR bearer's address when up.
  const sapbr = m.bearers.get(1);
  cip.ip = sapbr && sapbr.status === 1 ? sapbr.ip : m.bearers.allocateIp();
  cip.state = 'IP GPRSACT';
}

function cipStatusLines(ctx: CommandContext): void {
  const s = st(ctx);
  ctx.modem.urc(`STATE: ${s.cip.state}`);
  if (s.values['+CIPMUX'] === 1) {
    // No sockets in this emulator: every connection slot is INITIAL.
    ctx.modem.urc([0, 1, 2, 3, 4, 5].map((n) => `C: ${n},,"","","","INITIAL"`).join('\r\n'));
  }
}

export const compatCommands: CommandDef[] = [
  // ---- TCP/IP application stack -------------------------------------------------------
  {
    name: '+CIPSHUT',
    test: [],
    exec(ctx) {
      const cip = st(ctx).cip;
      cip.state = 'IP INITIAL';
      cip.ip = '0.0.0.0';
      return text('SHUT OK');
    },
  },
  {
    name: '+CSTT',
    test: ['+CSTT: "APN","USER","PWD"'],
    read: (ctx) => {
      const c = st(ctx).cip;
      ctx.info(`+CSTT: "${c.apn}","${c.user}","${c.pwd}"`);
    },
    exec(ctx) {
      // Without parameters the module keeps its default APN (MAN: CMNET).
      const c = st(ctx).cip;
      if (c.state !== 'IP INITIAL') return ERROR;
      c.state = 'IP START';
    },
    write: {
      params: [
        { kind: 'string', name: 'apn', maxLen: 50 },
        { kind: 'string', name: 'user', maxLen: 50, optional: true },
        { kind: 'string', name: 'pwd', maxLen: 50, optional: true },
      ],
      run(ctx, [apn, user, pwd]) {
        const c = st(ctx).cip;
        if (c.state !== 'IP INITIAL') return ERROR;
        Object.assign(c, { apn, user: user ?? '', pwd: pwd ?? '', state: 'IP START' });
      },
    },
  },
  { name: '+CIICR', test: [], exec: bringUp },
  {
    name: '+CIFSR',
    test: [],
    exec(ctx) {
      const cip = st(ctx).cip;
      if (!CIP_ACTIVE.includes(cip.state)) return ERROR;
      cip.state = 'IP STATUS';
      ctx.info(cip.ip);
      return NONE; // the manual's response is the address alone: no OK follows
    },
  },
  {
    name: '+CIPSTATUS',
    test: [],
    exec: cipStatusLines,
    write: {
      params: [int('n', 0, 5)],
      run(ctx, [n]) {
        if (st(ctx).values['+CIPMUX'] !== 1) return ERROR;
        ctx.info(`+CIPSTATUS: ${n},,"","","","INITIAL"`);
      },
    },
  },
  {
    ...flag('+CIPMUX'),
    write: {
      params: [int('n', 0, 1)],
      run(ctx, [n]) {
        const s = st(ctx);
        // MAN 8.2.1: the mode can change only while the stack is idle.
        if (s.cip.state !== 'IP INITIAL' && n !== s.values['+CIPMUX']) return ERROR;
        s.values['+CIPMUX'] = n as number;
      },
    },
  },
  flag('+CIPQSEND'),
  {
    ...setting('+CIPRXGET', '+CIPRXGET: (0-4),(1-1460)', [int('mode', 0, 4), int('id', 0, 5, true), int('len', 1, 1460, true)]),
    write: {
      params: [int('mode', 0, 4), int('id', 0, 5, true), int('len', 1, 1460, true)],
      run(ctx, [mode]) {
        // Modes 2..4 read from a connection; there is none to read from.
        if ((mode as number) > 1) return ERROR;
        st(ctx).values['+CIPRXGET'] = mode as number;
      },
    },
  },
  flag('+CIPSSL'),
  {
    name: '+CDNSCFG',
    test: ['+CDNSCFG: ("pri_dns"),("sec_dns")'],
    read: (ctx) => {
      const [p, s] = st(ctx).dns;
      ctx.info(`PrimaryDns: ${p}`, `SecondaryDns: ${s}`);
    },
    write: {
      params: [
        { kind: 'string', name: 'pri' },
        { kind: 'string', name: 'sec', optional: true },
      ],
      run(ctx, [pri, sec]) {
        if (!IPV4.test(pri as string) || (sec !== undefined && !IPV4.test(sec as string))) return ERROR;
        st(ctx).dns = [pri as string, (sec as string | undefined) ?? st(ctx).dns[1]];
      },
    },
  },

  // ---- PDP contexts (27.007) -----------------------------------------------------------
  {
    name: '+CGDCONT',
    test: ['+CGDCONT: (1-3),"IP",,,(0-2),(0-4)'],
    read(ctx) {
      const lines = [...st(ctx).contexts.entries()].sort(([a], [b]) => a - b).map(([cid, c]) => `+CGDCONT: ${cid},"${c.type}","${c.apn}","0.0.0.0",0,0`);
      if (lines.length) ctx.info(...lines);
    },
    write: {
      params: [
        int('cid', 1, 3),
        { kind: 'string', name: 'type', optional: true },
        { kind: 'string', name: 'apn', maxLen: 50, optional: true },
        { kind: 'string', name: 'addr', optional: true },
        int('d_comp', 0, 2, true),
        int('h_comp', 0, 4, true),
      ],
      run(ctx, [cid, type, apn]) {
        const contexts = st(ctx).contexts;
        if (type === undefined) {
          contexts.delete(cid as number); // AT+CGDCONT=<cid> undefines the context
          return;
        }
        const t = (type as string).toUpperCase();
        if (t !== 'IP' && t !== 'PPP') return cme(CME.invalidInput);
        contexts.set(cid as number, { type: t, apn: (apn as string | undefined) ?? '', active: false });
      },
    },
  },
  {
    name: '+CGACT',
    test: ['+CGACT: (0,1)'],
    read(ctx) {
      const lines = [...st(ctx).contexts.entries()].sort(([a], [b]) => a - b).map(([cid, c]) => `+CGACT: ${cid},${c.active ? 1 : 0}`);
      if (lines.length) ctx.info(...lines);
    },
    write: {
      params: [int('state', 0, 1), int('cid', 1, 3, true)],
      async run(ctx, [on, cid]) {
        const m = ctx.modem;
        const contexts = st(ctx).contexts;
        const cids = cid !== undefined ? [cid as number] : [...contexts.keys()];
        if (on === 1) {
          await m.clock.sleep(m.profile.bearerOpenMs);
          // 27.007 10.1.10: activating while detached attaches first.
          if (m.bearerBlocker() !== null || !m.setAttached(true, (l) => ctx.info(l))) return cme(CME.gprsError);
        }
        for (const c of cids) {
          const entry = contexts.get(c) ?? { type: 'IP', apn: '', active: false };
          entry.active = on === 1;
          contexts.set(c, entry);
        }
      },
    },
  },

  // ---- settings the libraries set once -----------------------------------------------
  flag('+CBATCHK'),
  flag('+CVHU'),
  flag('+CMGF'),
  {
    name: '+CSCS',
    test: [`+CSCS: (${CSCS_SETS.map((c) => `"${c}"`).join(',')})`],
    read: (ctx) => ctx.info(`+CSCS: "${st(ctx).values['+CSCS']}"`),
    write: {
      params: [{ kind: 'string', name: 'chset' }],
      run(ctx, [chset]) {
        const c = (chset as string).toUpperCase();
        // MAN's own example: AT+CSCS="TEST" answers CME 765.
        if (!CSCS_SETS.includes(c)) return cme(CME.invalidInput);
        st(ctx).values['+CSCS'] = c;
      },
    },
  },
  setting('+CNMI', '+CNMI: (0-3),(0-3),(0,2),(0-2),(0,1)', [
    int('mode', 0, 3),
    int('mt', 0, 3, true),
    { kind: 'int', name: 'bm', values: [0, 2], optional: true },
    int('ds', 0, 2, true),
    int('bfr', 0, 1, true),
  ]),
  flag('+CNETLIGHT'),
  {
    ...flag('+CLIP'),
    // <m> 1: CLIP is provisioned on the emulated subscription.
    read: (ctx) => ctx.info(`+CLIP: ${st(ctx).values['+CLIP']},1`),
  },
  setting('+CSGS', '+CSGS: (0-2)', [int('mode', 0, 2)]),
  setting('+IFC', '+IFC: (0-2),(0-2)', [int('dce_by_dte', 0, 2), int('dte_by_dce', 0, 2, true)]),
  setting('+ICF', '+ICF: (1-6),(0-3)', [int('format', 1, 6), int('parity', 0, 3, true)]),
  {
    name: '+CNUM',
    test: [],
    // No MSISDN stored on the emulated SIM: the list is empty.
    exec: (ctx) => simError(ctx) ?? undefined,
  },

  // ---- power ------------------------------------------------------------------------
  {
    name: '+CPOWD',
    test: ['+CPOWD: (0,1)'],
    write: {
      params: [int('n', 0, 1)],
      run(ctx, [n]) {
        if (n === 1) ctx.info('NORMAL POWER DOWN'); // urgent power-off (0) says nothing
        ctx.modem.powerDown();
        return NONE;
      },
    },
  },
];
