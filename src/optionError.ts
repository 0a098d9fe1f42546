/**
 * A value the emulator cannot start with: a bad option, flag or config value, a state
 * directory it cannot use. The library throws it; the CLI prints its message as one line
 * and exits with code 2. `option` names where the value came from (`--tcp`, `modem.imei`).
 */
export class OptionError extends Error {
  override readonly name: string = 'OptionError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An OptionError in how the CLI was called (a flag, the config file): the same exit 2;
 * `option` is the flag or key when known.
 */
export class UsageError extends OptionError {
  override readonly name: string = 'UsageError';
  constructor(message: string, option = '') {
    super(option, message);
  }
}

import type { Server } from 'node:net';

/** Why a listen address cannot be used, in words, by the errno Node gives. */
const LISTEN_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied: ports below 1024 need privileges',
  EADDRNOTAVAIL: 'not an address of this machine',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve (name service unavailable)',
  EAI_NONAME: 'the host name does not resolve',
  EAI_FAIL: 'the host name does not resolve',
  EMFILE: 'out of file descriptors: raise the limit with `ulimit -n`',
  ENFILE: 'the system is out of file descriptors',
};

/**
 * A listener the emulator could not open: the address is taken, not this machine's, or
 * its host name does not resolve. Not a bad value (the same flag works elsewhere or
 * later), so the CLI gives it its own exit code rather than a usage error's. `option`
 * is the library option whose address it was (`tcp`, `brokerPort`, `brokerTlsPort`,
 * `control`); the CLI names the flag.
 */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly option: string,
    readonly address: string,
    /** Node's errno (`EADDRINUSE`, `ENOTFOUND`, …), or undefined. */
    readonly code: string | undefined,
    /** Why, when Node gave no errno. */
    detail = 'failed',
    /** Whose listener (`embedded broker`), and what follows the address (` (TLS)`). */
    where: { who?: string; after?: string } = {},
  ) {
    const why = code ? `${code} (${LISTEN_PROBLEMS[code] ?? 'failed'})` : detail;
    super(`${where.who ? `${where.who}: ` : ''}cannot listen on ${address}${where.after ?? ''}: ${why}`);
  }

  /** The error a failed listen() gave, as a ListenError for `option`'s address. */
  static from(option: string, host: string, port: number, err: unknown, where: { who?: string; after?: string } = {}): ListenError {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new ListenError(option, address, (err as NodeJS.ErrnoException)?.code, (err as Error)?.message ?? String(err), where);
  }
}

/**
 * Listens on host:port, or throws the ListenError of `option` (the flag the address came
 * from): the one way every listener of the emulator opens, so each fails alike. `backlog`:
 * the queue of connections not yet accepted (Node's 511 by default; the kernel caps it at
 * net.core.somaxconn).
 */
export async function listenOrThrow(server: Server, host: string, port: number, option: string, where: { who?: string; after?: string; backlog?: number } = {}): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, backlog: where.backlog }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    throw ListenError.from(option, host, port, err, where);
  }
}
