/**
 * Compatibility commands: the rest of what common SIM800 firmware libraries send during
 * start-up (TinyGSM's SIM800 driver, Adafruit FONA begin()). Each answers as the module
 * does (SIM800 AT Command Manual V1.09, "MAN"); these settings have no behaviour behind
 * them yet.
 *
 * | command            | answer                                                     | source                     |
 * |--------------------|------------------------------------------------------------|----------------------------|
 * | +CBATCHK, +CVHU, +CNETLIGHT, +CSGS, +IFC, +ICF | settings: OK, read, test | MAN; TinyGSM, FONA |
 * | +CPOWD=1 / =0      | `NORMAL POWER DOWN` / nothing, then silence                 | MAN 4.2.1; TinyGSM         |
 *
 * None of these settings is part of the AT&W profile here; they return to their defaults
 * at every power-up.
 */
import { int, optional, type IntParam } from '../at/args';
import { NONE } from '../at/result';
import { compatSettings } from './features';
import { form, type Command, type Ctx, type Family } from './family';

const values = (ctx: Ctx) => ctx.modem.feature(compatSettings).values;

/** A numeric setting: its write form takes the params, read prints them joined by commas. */
function setting(name: string, test: string, params: readonly IntParam[]): Command {
  return {
    name,
    test: [test],
    read: (ctx) => {
      const v = values(ctx)[name];
      ctx.info(`${name}: ${Array.isArray(v) ? v.join(',') : v}`);
    },
    write: form(params, (ctx, args) => {
      const all = values(ctx);
      const old = all[name];
      if (Array.isArray(old)) all[name] = old.map((v, i) => args[i] ?? v);
      else all[name] = args[0] ?? old;
    }),
  };
}

const range = (name: string, min: number, max: number) => int(name, { min, max });
const flag = (name: string, test = `${name}: (0,1)`) => setting(name, test, [range('n', 0, 1)]);

const commands: Command[] = [
  flag('+CBATCHK'),
  flag('+CVHU'),
  flag('+CNETLIGHT'),
  setting('+CSGS', '+CSGS: (0-2)', [range('mode', 0, 2)]),
  setting('+IFC', '+IFC: (0-2),(0-2)', [range('dce_by_dte', 0, 2), optional(range('dte_by_dce', 0, 2))]),
  setting('+ICF', '+ICF: (1-6),(0-3)', [range('format', 1, 6), optional(range('parity', 0, 3))]),

  // ---- power ------------------------------------------------------------------------
  {
    name: '+CPOWD',
    test: ['+CPOWD: (0,1)'],
    write: form([range('n', 0, 1)], (ctx, [n]) => {
      if (n === 1) ctx.info('NORMAL POWER DOWN'); // urgent power-off (0) says nothing
      ctx.modem.powerDown();
      return NONE;
    }),
  },
];

export const compat: Family = { name: 'compat', commands };
