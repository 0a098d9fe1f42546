/**
 * AT+SAPBR, the bearer the MQTT commands ride on (manual §9.2.1, AT-REFERENCE §5).
 * Tags are case-insensitive and may come unquoted (`AT+SAPBR=3,1,Contype,GPRS`).
 */
import { tokenize, toInt } from '../at/args';
import type { CommandContext, CommandDef } from '../at/command';
import { CME } from '../at/cme';
import { ERROR, cme, type Final } from '../at/result';
import { BEARER_TAGS, BearerStatus, type Bearer, type BearerTag } from '../modem/bearer';

/** Value checks per tag: the manual's limits. */
const TAG_CHECK: Record<BearerTag, (v: string) => boolean> = {
  CONTYPE: (v) => /^(GPRS|CSD)$/i.test(v),
  APN: (v) => v.length <= 64,
  USER: (v) => v.length <= 32,
  PWD: (v) => v.length <= 32,
  PHONENUM: (v) => v.length <= 40,
  RATE: (v) => /^[0-3]$/.test(v),
};

/** The order SIM800 users report for the AT+SAPBR=4 listing (AT-REFERENCE §5). */
const LISTING_ORDER: readonly BearerTag[] = ['CONTYPE', 'APN', 'PHONENUM', 'USER', 'PWD', 'RATE'];

async function open(ctx: CommandContext, b: Bearer): Promise<Final | void> {
  const m = ctx.modem;
  if (b.status === BearerStatus.connected) return cme(CME.notAllowed);
  b.status = BearerStatus.connecting;
  await m.clock.sleep(m.timing.delay('bearerOpenMs'));
  if (m.bearerBlocker() !== null) {
    b.status = BearerStatus.closed;
    return cme(CME.notAllowed);
  }
  m.openBearer(b);
}

async function close(ctx: CommandContext, b: Bearer): Promise<Final | void> {
  const m = ctx.modem;
  if (b.status !== BearerStatus.connected) return cme(CME.notAllowed);
  b.status = BearerStatus.closing;
  await m.clock.sleep(m.timing.delay('bearerCloseMs'));
  m.closeBearer(b);
}

function setParam(b: Bearer, tag: string | undefined, value: string | undefined): Final | void {
  const key = tag?.toUpperCase() as BearerTag | undefined;
  if (!key || !(BEARER_TAGS as readonly string[]).includes(key) || value === undefined) return cme(CME.invalidInput);
  if (!TAG_CHECK[key](value)) return cme(CME.invalidInput);
  b.params[key] = key === 'CONTYPE' ? value.toUpperCase() : value;
}

export const bearerCommands: CommandDef[] = [
  {
    name: '+SAPBR',
    test: ['+SAPBR: (0-4),(1-3),"ConParamTag","ConParamValue"'],
    writeRaw(ctx, args) {
      const toks = tokenize(args);
      if (!toks) return cme(CME.paramFormat);
      const cmd = toks[0] ? toInt(toks[0].value) : null;
      const cid = toks[1] ? toInt(toks[1].value) : null;
      if (cmd === null || cid === null) return cme(toks.length < 2 ? CME.paramCountShort : CME.invalidInput);
      const b = ctx.modem.bearers.get(cid);
      if (!b || cmd < 0 || cmd > 4) return cme(CME.invalidInput);
      const extra = toks.length - 2;
      if (cmd === 3) {
        if (extra !== 2) return cme(extra < 2 ? CME.paramCountShort : CME.paramCountBeyond);
        return setParam(b, toks[2]?.value, toks[3]?.value ?? '');
      }
      if (extra !== 0) return cme(CME.paramCountBeyond);
      switch (cmd) {
        case 0:
          return close(ctx, b);
        case 1:
          return open(ctx, b);
        case 2:
          ctx.info(`+SAPBR: ${cid},${b.status},"${b.ip}"`);
          return;
        case 4:
          ctx.info('+SAPBR:', ...LISTING_ORDER.map((t) => `${t}: ${b.params[t]}`));
          return;
      }
      return ERROR;
    },
  },
];
