/**
 * The TCP/IP application (SIM800 AT Command Manual §8.2; docs/decisions.md, TCP/IP):
 * the stack's state machine and the PDP contexts. Each command answers as the module
 * does; the state lives in stack.ts.
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
 */
import { int, optional, str } from '../../at/args';
import { CME } from '../../at/cme';
import { ERROR, NONE, cme, text, type Final } from '../../at/result';
import { BearerStatus } from '../../modem/bearer';
import { defineFeature } from '../../modem/modem';
import { form, type Command, type Ctx, type Family } from '../family';
import { CIP_ACTIVE, TcpIpStack } from './stack';

export const tcpipStack = defineFeature('tcpip', () => new TcpIpStack());
const stack = (ctx: Ctx) => ctx.modem.feature(tcpipStack);

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const flag = (name: string) => int(name, { min: 0, max: 1 });

/** A 0/1 setting of the stack: read shows it, write sets it, test lists (0,1). */
function stackFlag(name: string, key: 'qsend' | 'ssl'): Command {
  return {
    name,
    test: [`${name}: (0,1)`],
    read: (ctx) => ctx.info(`${name}: ${stack(ctx)[key]}`),
    write: form([flag('n')], (ctx, [n]) => {
      stack(ctx)[key] = n;
    }),
  };
}

/** AT+CIICR: the PDP context of the TCP/IP stack, attaching first like any activation. */
async function bringUp(ctx: Ctx): Promise<Final | void> {
  const m = ctx.modem;
  const s = stack(ctx);
  if (s.state !== 'IP START') return ERROR;
  await m.clock.sleep(m.profile.bearerOpenMs);
  if (m.bearerBlocker() !== null || !m.setAttached(true, (l) => ctx.info(l))) return ERROR;
  // One PDP context per APN on a real network: share the SAPBR bearer's address when up.
  const sapbr = m.bearers.get(1);
  s.ip = sapbr && sapbr.status === BearerStatus.connected ? sapbr.ip : m.bearers.allocateIp();
  s.state = 'IP GPRSACT';
}

function cipStatusLines(ctx: Ctx): void {
  const s = stack(ctx);
  ctx.modem.urc(`STATE: ${s.state}`);
  if (s.mux === 1) {
    // No sockets yet: every connection slot is INITIAL.
    ctx.modem.urc([0, 1, 2, 3, 4, 5].map((n) => `C: ${n},,"","","","INITIAL"`).join('\r\n'));
  }
}

const commands: Command[] = [
  // ---- the TCP/IP application stack -----------------------------------------------------
  {
    name: '+CIPSHUT',
    test: [],
    exec(ctx) {
      const s = stack(ctx);
      s.state = 'IP INITIAL';
      s.ip = '0.0.0.0';
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
      if (s.state !== 'IP INITIAL') return ERROR;
      s.state = 'IP START';
    },
    write: form([str('apn', { maxLen: 50 }), optional(str('user', { maxLen: 50 })), optional(str('pwd', { maxLen: 50 }))], (ctx, [apn, user, pwd]) => {
      const s = stack(ctx);
      if (s.state !== 'IP INITIAL') return ERROR;
      Object.assign(s, { apn, user: user ?? '', pwd: pwd ?? '', state: 'IP START' });
    }),
  },
  { name: '+CIICR', test: [], exec: bringUp },
  {
    name: '+CIFSR',
    test: [],
    exec(ctx) {
      const s = stack(ctx);
      if (!CIP_ACTIVE.includes(s.state)) return ERROR;
      s.state = 'IP STATUS';
      ctx.info(s.ip);
      return NONE; // the manual's response is the address alone: no OK follows
    },
  },
  {
    name: '+CIPSTATUS',
    test: [],
    exec: cipStatusLines,
    write: form([int('n', { min: 0, max: 5 })], (ctx, [n]) => {
      if (stack(ctx).mux !== 1) return ERROR;
      ctx.info(`+CIPSTATUS: ${n},,"","","","INITIAL"`);
    }),
  },
  {
    name: '+CIPMUX',
    test: ['+CIPMUX: (0,1)'],
    read: (ctx) => ctx.info(`+CIPMUX: ${stack(ctx).mux}`),
    write: form([flag('n')], (ctx, [n]) => {
      const s = stack(ctx);
      // MAN 8.2.1: the mode can change only while the stack is idle.
      if (s.state !== 'IP INITIAL' && n !== s.mux) return ERROR;
      s.mux = n;
    }),
  },
  stackFlag('+CIPQSEND', 'qsend'),
  {
    name: '+CIPRXGET',
    test: ['+CIPRXGET: (0-4),(1-1460)'],
    read: (ctx) => ctx.info(`+CIPRXGET: ${stack(ctx).rxget}`),
    write: form([int('mode', { min: 0, max: 4 }), optional(int('id', { min: 0, max: 5 })), optional(int('len', { min: 1, max: 1460 }))], (ctx, [mode]) => {
      // Modes 2..4 read from a connection; there is none to read from yet.
      if (mode > 1) return ERROR;
      stack(ctx).rxget = mode;
    }),
  },
  stackFlag('+CIPSSL', 'ssl'),
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

  // ---- PDP contexts (27.007) -----------------------------------------------------------
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
        contexts.set(cid, { type: t, apn: apn ?? '', active: false });
      },
    ),
  },
  {
    name: '+CGACT',
    test: ['+CGACT: (0,1)'],
    read(ctx) {
      const lines = [...stack(ctx).contexts.entries()].sort(([a], [b]) => a - b).map(([cid, c]) => `+CGACT: ${cid},${c.active ? 1 : 0}`);
      if (lines.length) ctx.info(...lines);
    },
    write: form([flag('state'), optional(int('cid', { min: 1, max: 3 }))], async (ctx, [on, cid]) => {
      const m = ctx.modem;
      const contexts = stack(ctx).contexts;
      const cids = cid !== undefined ? [cid] : [...contexts.keys()];
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
    }),
  },
];

export const tcpip: Family = { name: 'tcpip', commands, features: [tcpipStack] };
