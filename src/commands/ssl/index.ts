/**
 * The SSL family (docs/tls.md): AT+SSLSETROOT names the root certificate that
 * AT+SMCONN verifies the broker against when AT+SMSSL=1, AT+SSLOPT switches verification
 * and client authentication, AT+SSLSETCERT names a client certificate. File names come
 * quoted here (unquoted works too). The checks themselves: net/tls.ts.
 */
import { int, optional, str } from '../../at/args';
import { CME } from '../../at/cme';
import { cme } from '../../at/result';
import { fileSystem, sslSettingsFeature } from '../features';
import { form, type Command, type Ctx, type Family } from '../family';
import { fsResult } from '../fs';
import { FS_LIMITS, isFsFailure } from '../fs/fileSystem';

const settings = (ctx: Ctx) => ctx.modem.feature(sslSettingsFeature);

const FILE = str('file');
const flag = (name: string) => int(name, { min: 0, max: 1 });

const commands: Command[] = [
  {
    name: '+SSLSETROOT',
    test: [],
    read(ctx) {
      const root = settings(ctx).root;
      ctx.info(`+SSLSETROOT: "${root?.file ?? ''}",${root?.size ?? 0}`);
    },
    // EWF sends `"<file>", "947"`: the size quoted, after a space.
    write: form([FILE, int('size', { min: 1, max: FS_LIMITS.capacity })], (ctx, [file, size]) => {
      const data = ctx.modem.feature(fileSystem).read(file);
      if (isFsFailure(data)) return fsResult(data);
      // Firmware passes the size it wrote; a different one means the wrong file.
      if (data.length !== size) return cme(CME.invalidInput);
      settings(ctx).root = { file, size };
    }),
  },
  {
    name: '+SSLOPT',
    test: ['+SSLOPT: (0,1),(0,1)'],
    read(ctx) {
      const s = settings(ctx);
      ctx.info(`+SSLOPT: 0,${Number(s.ignoreInvalidCert)}`, `+SSLOPT: 1,${Number(s.clientAuth)}`);
    },
    // <opt 0 ignore an invalid server certificate | 1 client authentication>,<enable>
    write: form([flag('opt'), flag('enable')], (ctx, [opt, enable]) => {
      const s = settings(ctx);
      if (opt === 0) s.ignoreInvalidCert = enable === 1;
      else s.clientAuth = enable === 1;
    }),
  },
  {
    name: '+SSLSETCERT',
    test: [],
    // OK at once, then `+SSLSETCERT: 0` (loaded) or 1 (no such file) as TinyGSM waits for.
    write: form([FILE, optional(str('password'))], (ctx, [file, password]) => {
      const found = !isFsFailure(ctx.modem.feature(fileSystem).read(file));
      if (found) settings(ctx).clientCert = { file, password: password ?? '' };
      ctx.modem.urc(`+SSLSETCERT: ${found ? 0 : 1}`);
    }),
  },
];

export const ssl: Family = { name: 'ssl', commands };
