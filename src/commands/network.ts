/**
 * Radio, SIM, registration and power status: CFUN, CPIN, CSQ, CREG, CGREG, CGATT, COPS,
 * COPN, CBC, CSCLK, CIURC (SIM800 AT Command Manual; docs/decisions.md, Modem). CBATCHK and the other settings libraries
 * send once live in compat.ts.
 */
import { int, optional, str } from '../at/args';
import { CME } from '../at/cme';
import { cme } from '../at/result';
import { operatorFormat } from './features';
import { form, type Command, type Ctx, type Family } from './family';
import { numericSetting } from './setting';

/** +CREG and +CGREG share their shape: n 0..2, URC modes 1 and 2. */
function registration(name: '+CREG' | '+CGREG', key: 'cregN' | 'cgregN'): Command {
  return {
    name,
    test: [`${name}: (0-2)`],
    read: (ctx) => ctx.info(ctx.modem.cregLine(name, ctx.modem.settings[key], true)),
    write: form([optional(int('n', { min: 0, max: 2 }))], (ctx, [n]) => {
      ctx.modem.settings[key] = n ?? 0;
    }),
  };
}

/** COPS <format>: 0 long name, 1 short name, 2 numeric. */
function operatorName(ctx: Ctx): string {
  const c = ctx.modem.config;
  const format = ctx.modem.feature(operatorFormat).format;
  return format === 1 ? c.operatorShort : format === 2 ? `${c.mcc}${c.mnc}` : c.operatorLong;
}

/**
 * AT+COPN's list: the operator-name table in the module's firmware (3GPP/GSMA numbering; the
 * table starts with the test networks 001-01, 001-02 and 002-01), cut down to those and the
 * configured operator, which replaces an entry with its number. Sorted by number.
 */
const ME_OPERATOR_NAMES: readonly (readonly [string, string])[] = [
  ['00101', 'Test PLMN 1-1'],
  ['00102', 'Test PLMN 1-2'],
  ['00201', 'Test PLMN 2-1'],
];

function operatorNames(ctx: Ctx): [string, string][] {
  const c = ctx.modem.config;
  const own = `${c.mcc}${c.mnc}`;
  const names = ME_OPERATOR_NAMES.filter(([n]) => n !== own).map(([n, a]): [string, string] => [n, a]);
  names.push([own, c.operatorLong]);
  return names.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const commands: Command[] = [
  {
    name: '+CFUN',
    test: ['+CFUN: (0,1,4),(0,1)'],
    read: (ctx) => ctx.info(`+CFUN: ${ctx.modem.cfun}`),
    write: form([int('fun', { values: [0, 1, 4] }), optional(int('rst', { min: 0, max: 1 }))], async (ctx, [fun, rst]) => {
      const m = ctx.modem;
      if (rst === 1) {
        // OK goes out first; then the module reboots into the new functionality.
        m.clock.setTimeout(() => m.restart(), 0);
        return;
      }
      if (fun === m.cfun) return;
      // The radio takes its time: the notices after cfunMs, the OK later (captured on a module: docs/decisions.md).
      await m.clock.sleep(m.timing.delay('cfunMs'));
      m.setFunctionality(fun, (line) => ctx.info(line));
      await m.clock.sleep(m.timing.delay('cfunOkMs'));
    }),
  },
  {
    name: '+CPIN',
    test: [],
    read(ctx) {
      const sim = ctx.modem.sim;
      if (sim === 'NOT INSERTED') return cme(CME.simNotInserted);
      ctx.info(`+CPIN: ${sim}`);
    },
    // The emulated SIM has no PIN: entering one is not allowed (27.007 behaviour).
    write: form([str('pin'), optional(str('newpin'))], (ctx) => cme(ctx.modem.sim === 'NOT INSERTED' ? CME.simNotInserted : CME.notAllowed)),
  },
  {
    name: '+CSQ',
    test: ['+CSQ: (0-31,99),(0-7,99)'],
    exec(ctx) {
      const m = ctx.modem;
      const on = m.cfun === 1 && m.networkAvailable;
      ctx.info(on ? `+CSQ: ${m.rssi},${m.ber}` : '+CSQ: 99,99');
    },
  },
  registration('+CREG', 'cregN'),
  registration('+CGREG', 'cgregN'),
  {
    name: '+CGATT',
    test: ['+CGATT: (0,1)'],
    read: (ctx) => ctx.info(`+CGATT: ${ctx.modem.gprsAttached ? 1 : 0}`),
    write: form([int('state', { min: 0, max: 1 })], (ctx, [state]) => {
      const ok = ctx.modem.setGprsAttached(state === 1, (line) => ctx.info(line));
      if (!ok) return cme(ctx.modem.cfun !== 1 ? CME.notAllowed : CME.noNetwork);
    }),
  },
  {
    name: '+COPS',
    test(ctx) {
      const c = ctx.modem.config;
      const avail = ctx.modem.isRegistered ? 2 : 1;
      ctx.info(`+COPS: (${avail},"${c.operatorLong}","${c.operatorShort}","${c.mcc}${c.mnc}"),,(0-4),(0-2)`);
    },
    read(ctx) {
      const format = ctx.modem.feature(operatorFormat).format;
      ctx.info(ctx.modem.isRegistered ? `+COPS: 0,${format},"${operatorName(ctx)}"` : '+COPS: 0');
    },
    write: form([int('mode', { min: 0, max: 4 }), optional(int('format', { min: 0, max: 2 })), optional(str('oper'))], (ctx, [mode, format, oper]) => {
      const c = ctx.modem.config;
      const known = [c.operatorLong, c.operatorShort, `${c.mcc}${c.mnc}`];
      // Manual selection of a network that is not there fails; automatic always works.
      if (mode === 1 && (oper === undefined || !known.includes(oper))) return cme(CME.noNetwork);
      if (format !== undefined) ctx.modem.feature(operatorFormat).format = format;
    }),
  },
  {
    // Read from the module's memory: no SIM or network needed.
    name: '+COPN',
    test: [],
    exec: (ctx) => ctx.info(...operatorNames(ctx).map(([num, alpha]) => `+COPN: "${num}","${alpha}"`)),
  },
  {
    name: '+CBC',
    test: ['+CBC: (0-2),(1-100),(voltage)'],
    exec(ctx) {
      const b = ctx.modem.battery;
      ctx.info(`+CBC: ${b.bcs},${b.bcl},${b.voltage}`);
    },
  },
  numericSetting('+CSCLK', 'csclk', 2, ['+CSCLK: (0-2)']),
  numericSetting('+CIURC', 'ciurc', 1, ['+CIURC: (0,1)']),
];

export const network: Family = { name: 'network', commands };
