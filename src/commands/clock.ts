/**
 * Clock and network time: AT+CCLK (a running RTC) and AT+CLTS (NITZ on registration),
 * docs/decisions.md (Modem) for the RTC without network time.
 */
import { str } from '../at/args';
import { CME } from '../at/cme';
import { cme } from '../at/result';
import { ModemClock } from '../modem/modemClock';
import { form, type Command, type Family } from './family';
import { numericSetting } from './setting';

const commands: Command[] = [
  {
    name: '+CCLK',
    test: [],
    read: (ctx) => ctx.info(`+CCLK: "${ctx.modem.rtc.format()}"`),
    write: form([str('time', { quotes: 'required' })], (ctx, [time]) => {
      const t = ModemClock.parse(time);
      if (!t) return cme(CME.invalidInput);
      ctx.modem.rtc.setLocal(t.localMs, t.tz);
    }),
  },
  numericSetting('+CLTS', 'clts', 1, ['+CLTS: "yy/MM/dd,hh:mm:ss+/-zz"']),
];

export const clock: Family = { name: 'clock', commands };
