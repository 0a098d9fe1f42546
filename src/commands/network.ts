/**
 * Radio, SIM, registration and power status: CFUN, CPIN, CSQ, CREG, CGREG, CGATT, COPS,
 * CBC, CSCLK, CIURC (AT-REFERENCE §3.3, §4). CBATCHK and the other settings libraries
 * send once live in compat.ts.
 */
import type { CommandDef } from '../at/command';
import { CME } from '../at/cme';
import { cme } from '../at/result';
import { numericSetting } from './setting';

/** +CREG and +CGREG share their shape: n 0..2, URC modes 1 and 2. */
function registration(name: '+CREG' | '+CGREG', key: 'cregN' | 'cgregN'): CommandDef {
  return {
    name,
    test: [`${name}: (0-2)`],
    read: (ctx) => ctx.info(ctx.modem.cregLine(name, ctx.modem.settings[key], true)),
    write: {
      params: [{ kind: 'int', name: 'n', min: 0, max: 2, optional: true }],
      run(ctx, [n]) {
        ctx.modem.settings[key] = (n as number | undefined) ?? 0;
      },
    },
  };
}

/** COPS <format>: 0 long name, 1 short name, 2 numeric. */
function operatorName(ctx: Parameters<NonNullable<CommandDef['exec']>>[0]): string {
  const c = ctx.modem.config;
  const format = (ctx.modem.ext.copsFormat as number | undefined) ?? 0;
  return format === 1 ? c.operatorShort : format === 2 ? `${c.mcc}${c.mnc}` : c.operatorLong;
}

export const networkCommands: CommandDef[] = [
  {
    name: '+CFUN',
    test: ['+CFUN: (0,1,4),(0,1)'],
    read: (ctx) => ctx.info(`+CFUN: ${ctx.modem.cfun}`),
    write: {
      params: [
        { kind: 'int', name: 'fun', values: [0, 1, 4] },
        { kind: 'int', name: 'rst', min: 0, max: 1, optional: true },
      ],
      async run(ctx, [fun, rst]) {
        const m = ctx.modem;
        if (rst === 1) {
          // OK goes out first; then the module reboots into the new functionality.
          m.clock.setTimeout(() => m.restart(), 0);
          return;
        }
        if (fun === m.cfun) return;
        // The radio takes its time: the notices after cfunMs, the OK later (T#358).
        await m.clock.sleep(m.timing.delay('cfunMs'));
        m.setFunctionality(fun as number, (line) => ctx.info(line));
        await m.clock.sleep(m.timing.delay('cfunOkMs'));
      },
    },
  },
  {
    name: '+CPIN',
    test: [],
    read(ctx) {
      const sim = ctx.modem.sim;
      if (sim === 'NOT INSERTED') return cme(CME.simNotInserted);
      ctx.info(`+CPIN: ${sim}`);
    },
    write: {
      // The emulated SIM has no PIN: entering one is not allowed (27.007 behaviour).
      params: [
        { kind: 'string', name: 'pin' },
        { kind: 'string', name: 'newpin', optional: true },
      ],
      run: (ctx) => cme(ctx.modem.sim === 'NOT INSERTED' ? CME.simNotInserted : CME.notAllowed),
    },
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
    read: (ctx) => ctx.info(`+CGATT: ${ctx.modem.attached ? 1 : 0}`),
    write: {
      params: [{ kind: 'int', name: 'state', min: 0, max: 1 }],
      run(ctx, [state]) {
        const ok = ctx.modem.setAttached(state === 1, (line) => ctx.info(line));
        if (!ok) return cme(ctx.modem.cfun !== 1 ? CME.notAllowed : CME.noNetwork);
      },
    },
  },
  {
    name: '+COPS',
    test(ctx) {
      const c = ctx.modem.config;
      const avail = ctx.modem.isRegistered ? 2 : 1;
      ctx.info(`+COPS: (${avail},"${c.operatorLong}","${c.operatorShort}","${c.mcc}${c.mnc}"),,(0-4),(0-2)`);
    },
    read(ctx) {
      const format = (ctx.modem.ext.copsFormat as number | undefined) ?? 0;
      ctx.info(ctx.modem.isRegistered ? `+COPS: 0,${format},"${operatorName(ctx)}"` : '+COPS: 0');
    },
    write: {
      params: [
        { kind: 'int', name: 'mode', min: 0, max: 4 },
        { kind: 'int', name: 'format', min: 0, max: 2, optional: true },
        { kind: 'string', name: 'oper', optional: true },
      ],
      run(ctx, [mode, format, oper]) {
        const c = ctx.modem.config;
        const known = [c.operatorLong, c.operatorShort, `${c.mcc}${c.mnc}`];
        // Manual selection of a network that is not there fails; automatic always works.
        if (mode === 1 && (oper === undefined || !known.includes(oper as string))) return cme(CME.noNetwork);
        if (format !== undefined) ctx.modem.ext.copsFormat = format;
      },
    },
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
