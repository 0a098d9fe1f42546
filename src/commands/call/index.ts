/**
 * Voice calls and USSD as the SIM800 has them (docs/sms.md, "Calls" and "USSD"): ATA, ATD,
 * ATH, +CHUP, +HVOIC, +CLCC, +CLIP, +COLP, +CRC, +GSMBUSY, +MORING, +CPAS, +VTS, +VTD and
 * +CUSD, with the network side in calls.ts.
 */
import { int, optional, str, tokenize } from '../../at/args';
import { CME } from '../../at/cme';
import { OK, cme, text, type Final } from '../../at/result';
import { callFeature, smsFeature } from '../features';
import { form, type Command, type Ctx, type Family } from '../family';
import { fromTe, toTe } from '../sms/charset';
import { ucs2Encode } from '../sms/pdu';

const calls = (ctx: Ctx) => ctx.modem.feature(callFeature);

type Flag = 'clip' | 'colp' | 'crc' | 'gsmbusy' | 'moring';

/** A setting with a write, read and test form; `read` may add fields (+CLIP's <m>). */
function setting(name: string, key: Flag, max: number, read: (v: number) => string = (v) => `${v}`): Command {
  return {
    name,
    test: [`${name}: (${max === 1 ? '0,1' : `0-${max}`})`],
    read: (ctx) => ctx.info(`${name}: ${read(calls(ctx)[key])}`),
    write: form([int('n', { min: 0, max })], (ctx, [n]) => {
      calls(ctx)[key] = n;
    }),
  };
}

const hangUp: Command['exec'] = (ctx) => {
  calls(ctx).hangUpLocal();
};

/** The dial string of ATD: digits and + * # A B C; modifiers V.250 ignores are dropped. */
function dialString(raw: string): { number: string; voice: boolean } | null {
  const voice = raw.trimEnd().endsWith(';');
  const body = raw.replace(/;\s*$/, '').replace(/[\s,TP!W@]/gi, '').replace(/[IiGg]+$/, '');
  if (!/^\+?[0-9*#ABCabc]{1,40}$/.test(body)) return null;
  return { number: body.toUpperCase(), voice };
}

const commands: Command[] = [
  {
    name: 'A',
    basic(ctx) {
      return calls(ctx).answer() ? OK : text('NO CARRIER');
    },
  },
  {
    name: 'D',
    async basic(ctx, _n, raw) {
      const d = dialString(raw);
      if (!d) return text('NO CARRIER');
      if (!d.voice) return text('NO CARRIER'); // data calls are not emulated
      const c = calls(ctx);
      const dialled = c.dial(d.number);
      if (!dialled) return text('NO CARRIER');
      if (c.colp === 0) {
        // MAN §2.2.3: with +COLP=0 the module says OK once dialling is done.
        c.release();
        return OK;
      }
      const o = await dialled.outcome;
      if (o === 'answer') {
        ctx.info(`+COLP: "${d.number}",${dialled.call.toa},"",0,""`);
        return OK;
      }
      return text(o === 'busy' ? 'BUSY' : o === 'no-answer' ? 'NO ANSWER' : 'NO CARRIER');
    },
  },
  {
    name: 'H',
    basic(ctx, n) {
      if (n !== undefined && n !== 0) return cme(CME.invalidInput);
      calls(ctx).hangUpLocal();
    },
  },
  { name: '+CHUP', test: [], exec: hangUp },
  { name: '+HVOIC', test: [], exec: hangUp },
  {
    name: '+CLCC',
    test: ['+CLCC: (0,1)'],
    read: (ctx) => ctx.info(`+CLCC: ${calls(ctx).clcc}`),
    exec(ctx) {
      const c = calls(ctx).call;
      if (c) ctx.info(calls(ctx).clccLine(c));
    },
    write: form([int('n', { min: 0, max: 1 })], (ctx, [n]) => {
      calls(ctx).clcc = n;
    }),
  },
  // <m> 1: the service is provisioned on the emulated subscription.
  setting('+CLIP', 'clip', 1, (v) => `${v},1`),
  setting('+COLP', 'colp', 1, (v) => `${v},1`),
  setting('+CRC', 'crc', 1),
  setting('+GSMBUSY', 'gsmbusy', 2),
  setting('+MORING', 'moring', 1),
  {
    name: '+CPAS',
    test: ['+CPAS: (0,3,4)'],
    exec: (ctx) => ctx.info(`+CPAS: ${calls(ctx).activity}`),
  },
  {
    name: '+VTD',
    test: ['+VTD: (1-255)'],
    read: (ctx) => ctx.info(`+VTD: ${calls(ctx).vtd}`),
    write: form([int('n', { min: 1, max: 255 })], (ctx, [n]) => {
      calls(ctx).vtd = n;
    }),
  },
  {
    name: '+VTS',
    test: ['+VTS: (0-9,*,#,A,B,C,D)'],
    writeRaw(ctx, args) {
      const t = tokenize(args);
      if (t === null || t.length === 0) return cme(CME.invalidInput);
      const tones = t
        .map((x) => x?.value ?? '')
        .join('')
        .replace(/[{}\s]/g, '');
      if (!/^[0-9*#A-Da-d]+$/.test(tones)) return cme(CME.invalidInput);
      const c = calls(ctx).call;
      if (!c || c.state !== 'active') return cme(CME.notAllowed);
      c.dtmf += tones.toUpperCase();
    },
  },

  // ---- USSD ---------------------------------------------------------------------------
  {
    name: '+CUSD',
    test: ['+CUSD: (0-2)'],
    read: (ctx) => ctx.info(`+CUSD: ${calls(ctx).cusd}`),
    exec: (ctx) => {
      calls(ctx).cusd = 0;
    },
    write: form([int('n', { min: 0, max: 2 }), optional(str('str', { maxLen: 182 })), optional(int('dcs', { min: 0, max: 255 }))], (ctx, [n, request]) => ussd(ctx, n, request)),
  },
];

function ussd(ctx: Ctx, n: number, request: string | undefined): Final | void {
  const c = calls(ctx);
  if (n === 2) {
    c.ussdSession = false;
    return;
  }
  c.cusd = n;
  if (request === undefined) return;
  const m = ctx.modem;
  if (!m.isRegistered) return cme(CME.noNetwork);
  const cscs = m.feature(smsFeature).settings.cscs;
  // A request that is not in the set's form is taken as typed (as for a DA).
  const code = fromTe(request, cscs) ?? request;
  const req = { code: /^[0-9*#+A-Da-d]+$/.test(code) ? code : request, time: new Date(m.clock.wallNow()).toISOString(), answered: false };
  c.ussdRequests.push(req);
  const entry = c.ussdTable.get(req.code) ?? c.ussdTable.get('*');
  m.schedule(m.timing.delay('ussdMs'), () => {
    if (c.cusd !== 1) return; // n=0: no result code presented
    if (!entry) {
      c.ussdSession = false;
      m.urc('+CUSD: 4');
      return;
    }
    req.answered = true;
    c.ussdSession = entry.status === 1;
    const shown = entry.dcs === 72 || (entry.dcs & 0x0c) === 0x08 ? ucs2Encode(entry.reply).toString('hex').toUpperCase() : toTe(entry.reply, cscs);
    m.urc(`+CUSD: ${entry.status},"${shown}",${entry.dcs}`);
  });
}

export const callFamily: Family = { name: 'call', commands };
