/**
 * AT+SAPBR, the bearer the MQTT and HTTP commands ride on (SIM800 AT Command Manual
 * §9.2.1). Tags are case-insensitive and may come unquoted (`AT+SAPBR=3,1,Contype,GPRS`).
 * The bearer's transitions live in the modem (openBearer, closeBearer, dropBearer).
 */
import { tokenize, toInt } from '../at/args';
import { CME } from '../at/cme';
import { ERROR, cme, type Final } from '../at/result';
import { BEARER_TAGS, BearerStatus, type Bearer, type BearerTag } from '../modem/bearer';
import type { Command, Ctx, Family } from './family';

/** Value checks per tag: the manual's limits. */
const TAG_CHECK: Record<BearerTag, (v: string) => boolean> = {
  CONTYPE: (v) => /^(GPRS|CSD)$/i.test(v),
  APN: (v) => v.length <= 64,
  USER: (v) => v.length <= 32,
  PWD: (v) => v.length <= 32,
  PHONENUM: (v) => v.length <= 40,
  RATE: (v) => /^[0-3]$/.test(v),
};

const isBearerTag = (tag: string): tag is BearerTag => (BEARER_TAGS as readonly string[]).includes(tag);

/** The order SIM800 users report for the AT+SAPBR=4 listing (docs/decisions.md). */
const LISTING_ORDER: readonly BearerTag[] = ['CONTYPE', 'APN', 'PHONENUM', 'USER', 'PWD', 'RATE'];

async function open(ctx: Ctx, b: Bearer): Promise<Final | void> {
  if (b.status === BearerStatus.connected) return cme(CME.notAllowed);
  if ((await ctx.modem.openBearer(b)) !== null) return cme(CME.notAllowed);
}

async function close(ctx: Ctx, b: Bearer): Promise<Final | void> {
  if (b.status !== BearerStatus.connected) return cme(CME.notAllowed);
  await ctx.modem.closeBearer(b);
}

function setParam(b: Bearer, tag: string | undefined, value: string | undefined): Final | void {
  const key = tag?.toUpperCase();
  if (!key || !isBearerTag(key) || value === undefined) return cme(CME.invalidInput);
  if (!TAG_CHECK[key](value)) return cme(CME.invalidInput);
  b.params[key] = key === 'CONTYPE' ? value.toUpperCase() : value;
}

/** AT+SAPBR=<cmd_type>: 0 close, 1 open, 2 query, 3 set a parameter, 4 list the parameters. */
const SapbrCmd = { close: 0, open: 1, query: 2, set: 3, list: 4 } as const;

const commands: Command[] = [
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
      if (cmd === SapbrCmd.set) {
        if (extra !== 2) return cme(extra < 2 ? CME.paramCountShort : CME.paramCountBeyond);
        return setParam(b, toks[2]?.value, toks[3]?.value ?? '');
      }
      if (extra !== 0) return cme(CME.paramCountBeyond);
      switch (cmd) {
        case SapbrCmd.close:
          return close(ctx, b);
        case SapbrCmd.open:
          return open(ctx, b);
        case SapbrCmd.query:
          ctx.info(`+SAPBR: ${cid},${b.status},"${b.ip}"`);
          return;
        case SapbrCmd.list:
          ctx.info('+SAPBR:', ...LISTING_ORDER.map((t) => `${t}: ${b.params[t]}`));
          return;
      }
      return ERROR;
    },
  },
];

export const bearer: Family = { name: 'bearer', commands };
