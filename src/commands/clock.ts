/**
 * Clock and network time: AT+CCLK (a running RTC) and AT+CLTS (NITZ on registration),
 * AT-REFERENCE §9.
 */
import type { CommandDef } from '../at/command';
import { CME } from '../at/cme';
import { cme } from '../at/result';
import { ModemClock } from '../modem/modemClock';
import { numericSetting } from './setting';

export const clockCommands: CommandDef[] = [
  {
    name: '+CCLK',
    test: [],
    read: (ctx) => ctx.info(`+CCLK: "${ctx.modem.rtc.format()}"`),
    write: {
      params: [{ kind: 'string', name: 'time', quotes: 'required' }],
      run(ctx, [time]) {
        const t = ModemClock.parse(time as string);
        if (!t) return cme(CME.invalidInput);
        ctx.modem.rtc.setLocal(t.localMs, t.tz);
      },
    },
  },
  numericSetting('+CLTS', 'clts', 1, ['+CLTS: "yy/MM/dd,hh:mm:ss+/-zz"']),
];
