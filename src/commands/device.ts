/**
 * The module's own hardware: its temperature (AT+CMTE) and its flash device (AT+CDEVICE),
 * values from the config file (SIM800 Series AT Command Manual V1.09 §6.2.24, §6.2.37;
 * docs/decisions.md, "Start-up commands"). The critical-temperature URC `+CMTE: <n>` is not
 * raised: the configured temperature never leaves the operating range.
 */
import { int } from '../at/args';
import { form, type Command, type Family } from './family';

const commands: Command[] = [
  {
    // The manual lists read and write only. <mode> is part of the AT&W profile.
    name: '+CMTE',
    read: (ctx) => ctx.info(`+CMTE: ${ctx.modem.settings.cmte},${ctx.modem.config.temperature.toFixed(2)}`),
    write: form([int('mode', { min: 0, max: 1 })], (ctx, [mode]) => {
      ctx.modem.settings.cmte = mode;
    }),
  },
  {
    // Read form only.
    name: '+CDEVICE',
    read: (ctx) => ctx.info(`Device Name: ${ctx.modem.config.flashDevice}`),
  },
];

export const device: Family = { name: 'device', commands };
