/**
 * What the module offers around its TCP/IP stack (docs/tcpip.md §3.13–14):
 *
 * | command | answer | source |
 * |---|---|---|
 * | +CDNSGIP="name" | OK, then `+CDNSGIP: 1,"name","ip"` / `+CDNSGIP: 0,8` | MAN 8.2.14; RS captures; D24 |
 * | +CIPPING=host[,retry[,len[,timeout[,ttl]]]] | `+CIPPING: i,"ip",time,ttl` lines, OK | ping chapter; SIM800L log; D25 (no ICMP) |
 * | +CNTPCID, +CNTP | `+CNTP: 1` after OK; the RTC from the host clock | TinyGSM NTPServerSync; D26 |
 * | +CIPGSMLOC=1/2,cid | `+CIPGSMLOC: 0,lon,lat,date,time` / `601` | FONA getGSMLoc; D27 |
 */
import * as net from 'node:net';
import { int, optional, str } from '../../at/args';
import { ERROR } from '../../at/result';
import { BearerStatus } from '../../modem/bearer';
import type { Modem } from '../../modem/modem';
import { form, type Command, type Ctx } from '../family';
import type { TcpIpStack } from './stack';
import { nodeDns } from '../../builtins';

const p2 = (n: number) => String(n).padStart(2, '0');

/** A name's IPv4 address: a --map rule for it first (the emulator's DNS), then the host's resolver. */
async function resolve(m: Modem, name: string): Promise<string | null> {
  const rule = m.router?.rules.find((r) => r.host === name.toLowerCase() && r.port === undefined) ?? m.router?.rules.find((r) => r.host === name.toLowerCase());
  const host = rule ? rule.to.host : name;
  if (net.isIPv4(host)) return host;
  await m.clock.sleep(m.timing.delay('dnsMs'));
  try {
    return (await nodeDns().promises.lookup(host, { family: 4 })).address;
  } catch {
    return null;
  }
}

const bearerOpen = (m: Modem, cid: number) => m.bearers.get(cid)?.status === BearerStatus.connected;

/** `yyyy/mm/dd,hh:mm:ss` of the host's UTC clock (the location server's time). */
function utcStamp(m: Modem): string {
  const d = new Date(m.clock.wallNow());
  return `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())},${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

export function services(stack: (ctx: Ctx) => TcpIpStack): Command[] {
  const stackUp = (ctx: Ctx) => stack(ctx).up;
  return [
    {
      name: '+CDNSGIP',
      test: [],
      write: form([str('name', { maxLen: 128 })], (ctx, [name]) => {
        if (!stackUp(ctx)) return ERROR;
        const m = ctx.modem;
        void resolve(m, name).then((ip) => m.urc(ip ? `+CDNSGIP: 1,"${name}","${ip}"` : '+CDNSGIP: 0,8'));
      }),
    },
    {
      name: '+CIPPING',
      test: ['+CIPPING: (list of supported <IPaddr>),(1-100),(0-1024),(1-600),(1-255)'],
      write: form(
        [str('host', { maxLen: 128 }), optional(int('retry', { min: 1, max: 100 })), optional(int('len', { min: 0, max: 1024 })), optional(int('timeout', { min: 1, max: 600 })), optional(int('ttl', { min: 1, max: 255 }))],
        async (ctx, [host, retry]) => {
          if (!stackUp(ctx)) return ERROR;
          const m = ctx.modem;
          const ip = await resolve(m, host);
          for (let i = 1; i <= (retry ?? 4); i++) {
            const ms = m.timing.delay('pingMs');
            await m.clock.sleep(ms);
            // No ICMP unprivileged: the reply time is the profile's (D25); 600,255 is "no reply".
            ctx.info(ip ? `+CIPPING: ${i},"${ip}",${Math.max(1, Math.round(ms / 100))},64` : `+CIPPING: ${i},"${host}",600,255`);
          }
        },
      ),
    },
    {
      name: '+CNTPCID',
      test: ['+CNTPCID: (1-3)'],
      read: (ctx) => ctx.info(`+CNTPCID: ${stack(ctx).ntp.cid}`),
      write: form([int('cid', { min: 1, max: 3 })], (ctx, [cid]) => {
        stack(ctx).ntp.cid = cid;
      }),
    },
    {
      name: '+CNTP',
      test: ['+CNTP: "NTP server",(-47-48)'],
      read: (ctx) => {
        const { server, tz } = stack(ctx).ntp;
        ctx.info(`+CNTP: "${server}",${tz}`);
      },
      // TinyGSM sends the server unquoted: AT+CNTP=pool.ntp.org,3.
      write: form([str('server', { maxLen: 128 }), optional(int('tz', { min: -47, max: 48 }))], (ctx, [server, tz]) => {
        const s = stack(ctx);
        s.ntp = { ...s.ntp, server, tz: tz ?? 0 };
      }),
      exec(ctx) {
        const m = ctx.modem;
        const { cid, tz } = stack(ctx).ntp;
        void m.clock.sleep(m.timing.delay('dnsMs')).then(() => {
          if (!bearerOpen(m, cid)) return m.urc('+CNTP: 61'); // network error
          m.rtc.setFromNetwork(m.clock.wallNow(), tz);
          m.urc('+CNTP: 1');
        });
      },
    },
    {
      name: '+CIPGSMLOC',
      test: ['+CIPGSMLOC: (1,2),(1-3)'],
      write: form([int('type', { min: 1, max: 2 }), int('cid', { min: 1, max: 3 })], (ctx, [type, cid]) => {
        const m = ctx.modem;
        if (!bearerOpen(m, cid)) return void ctx.info('+CIPGSMLOC: 601');
        const where = `${m.config.longitude.toFixed(6)},${m.config.latitude.toFixed(6)},`;
        ctx.info(`+CIPGSMLOC: 0,${type === 1 ? where : ''}${utcStamp(m)}`);
      }),
    },
  ];
}
