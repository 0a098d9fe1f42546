/**
 * DTE side of the serial tests: what firmware on the host does (open the device, write
 * bytes, read bytes), through `serialport` or through a plain file descriptor.
 */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import type { Duplex } from 'node:stream';
import { SerialPort } from 'serialport';

/** Collects every byte a stream emits; until() waits for the text to end with something. */
export class ByteLog {
  private buf = Buffer.alloc(0);
  private waiters = new Set<() => void>();

  constructor(stream: NodeJS.EventEmitter) {
    stream.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (const w of [...this.waiters]) w();
    });
  }

  get bytes(): Buffer {
    return this.buf;
  }

  text(): string {
    return this.buf.toString('latin1');
  }

  /** Resolves with the whole log once it ends with `want` (or holds `want` bytes); only bytes from `from` on count. */
  until(want: string | number, ms = 5000, from = 0): Promise<string> {
    const done = () => (typeof want === 'number' ? this.buf.length >= want : this.buf.length - from >= want.length && this.text().endsWith(want));
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.text());
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`waited ${ms} ms for ${JSON.stringify(want)}; got ${JSON.stringify(this.text())}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }
}

/** What the tests need of a serialport stream, whichever binding is under it. */
export type PortLike = Duplex & { drain(cb: (err: Error | null) => void): void; close(cb: (err: Error | null) => void): void; isOpen: boolean };

export interface SerialDte<P extends PortLike = SerialPort> {
  port: P;
  log: ByteLog;
  /** Writes and waits until the bytes are handed to the OS. */
  send(data: string | Buffer): Promise<void>;
  /** Sends a line (CR added) and resolves with everything received up to `until`. */
  exchange(line: string, until: string): Promise<string>;
  close(): Promise<void>;
}

/** Opens `path` with serialport's default binding, as a Node program on the host would. */
export async function openSerial(path: string, baudRate = 115200): Promise<SerialDte> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return serialDte(port);
}

/** The test side of any serialport stream (default binding or ours). */
export function serialDte<P extends PortLike>(port: P): SerialDte<P> {
  const log = new ByteLog(port);
  // Sends not yet drained: close() waits for them, since a drain the binding starts after
  // the port closed fails (bindings-cpp: "First argument must be an int"), and a caller that
  // does not await its send would see that as an unhandled rejection.
  const inFlight = new Set<Promise<void>>();
  const send = (data: string | Buffer) => {
    const p = new Promise<void>((resolve, reject) => {
      port.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
      port.drain((err) => (err ? reject(err) : resolve()));
    });
    inFlight.add(p);
    const done = () => inFlight.delete(p);
    p.then(done, done);
    return p;
  };
  return {
    port,
    log,
    send,
    async exchange(line, until) {
      const from = log.bytes.length;
      await send(line + '\r');
      await log.until(until, 5000, from);
      return log.bytes.subarray(from).toString('latin1');
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    },
  };
}

/**
 * The device opened with plain open(2) and no termios changes: what a minimal POSIX
 * firmware gets, so the pty's own raw mode is what is tested.
 */
export function openRaw(path: string): { fd: number; log: ByteLog; write(data: Buffer | string): void; close(): void } {
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const stream = new tty.ReadStream(fd);
  const log = new ByteLog(stream);
  return {
    fd,
    log,
    write: (data) => void fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data),
    close: () => {
      stream.destroy(); // libuv reads through its own reopened descriptor ...
      fs.closeSync(fd); // ... so ours is closed here
    },
  };
}

/** Open descriptors of this process (to prove a stop leaks none). */
export function openFds(pid: number | 'self' = 'self'): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return '';
    }
  });
}

/** Child processes of a process (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const list = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return list ? list.split(/\s+/).map(Number) : [];
}

export const socat = ['/usr/bin/socat', '/bin/socat', '/usr/local/bin/socat'].find((p) => fs.existsSync(p));

export { sleep, until as eventually } from '../helpers/wait';
