/**
 * The SSL family (AT-REFERENCE §8): AT+SSLSETROOT names the root certificate that
 * AT+SMCONN verifies the broker against when AT+SMSSL=1, AT+SSLOPT switches verification
 * and client authentication, AT+SSLSETCERT names a client certificate. File names come
 * quoted here (unquoted works too). State: modem/ssl.ts; use: net/tls.ts.
 */
import type { ParamSpec } from '../at/args';
import type { CommandDef } from '../at/command';
import { CME } from '../at/cme';
import { cme } from '../at/result';
import { fileSystem, FS_LIMITS, isFsFailure } from '../modem/fileSystem';
import { sslSettings } from '../modem/ssl';
import { fsResult } from './fs';

const FILE: ParamSpec = { kind: 'string', name: 'file' };
const int = (name: string, min: number, max: number): ParamSpec => ({ kind: 'int', name, min, max });

export const sslCommands: CommandDef[] = [
  {
    name: '+SSLSETROOT',
    test: [],
    read(ctx) {
      const root = sslSettings(ctx.modem).root;
      ctx.info(`+SSLSETROOT: "${root?.file ?? ''}",${root?.size ?? 0}`);
    },
    write: {
      // EWF sends `"<file>", "947"`: the size quoted, after a space.
      params: [FILE, int('size', 1, FS_LIMITS.capacity)],
      run(ctx, [file, size]) {
        const data = fileSystem(ctx.modem).read(file as string);
        if (isFsFailure(data)) return fsResult(data);
        // Firmware passes the size it wrote; a different one means the wrong file.
        if (data.length !== size) return cme(CME.invalidInput);
        sslSettings(ctx.modem).root = { file: file as string, size: size as number };
      },
    },
  },
  {
    name: '+SSLOPT',
    test: ['+SSLOPT: (0,1),(0,1)'],
    read(ctx) {
      const s = sslSettings(ctx.modem);
      ctx.info(`+SSLOPT: 0,${Number(s.ignoreInvalidCert)}`, `+SSLOPT: 1,${Number(s.clientAuth)}`);
    },
    write: {
      // <opt 0 ignore an invalid server certificate | 1 client authentication>,<enable>
      params: [int('opt', 0, 1), int('enable', 0, 1)],
      run(ctx, [opt, enable]) {
        const s = sslSettings(ctx.modem);
        if (opt === 0) s.ignoreInvalidCert = enable === 1;
        else s.clientAuth = enable === 1;
      },
    },
  },
  {
    name: '+SSLSETCERT',
    test: [],
    write: {
      params: [FILE, { kind: 'string', name: 'password', optional: true }],
      // OK at once, then `+SSLSETCERT: 0` (loaded) or 1 (no such file) as TinyGSM waits for.
      run(ctx, [file, password]) {
        const found = !isFsFailure(fileSystem(ctx.modem).read(file as string));
        if (found) sslSettings(ctx.modem).clientCert = { file: file as string, password: (password as string | undefined) ?? '' };
        ctx.modem.urc(`+SSLSETCERT: ${found ? 0 : 1}`);
      },
    },
  },
];
