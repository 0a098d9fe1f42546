/**
 * Pty transport: the emulator is a serial device. It creates a pseudo-terminal itself
 * (src/native/pty: no child process), keeps a slave descriptor open so that firmware
 * can close and reopen the device any number of times, and points a symlink such as
 * /tmp/ttySIM800 at /dev/pts/N. The line is raw both ways; nothing here parses AT.
 *
 * The modem is attached for the pty's whole life, as a module is wired to its board:
 * what it sends while no program has the device open waits in the pty's buffer, which
 * serial libraries flush when they open a port (serialport, pyserial: tcflush).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tty from 'node:tty';
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';

/** A failure to provide a pty: one line for the user; no errno code, so the CLI exits 2. */
export class PtyError extends Error {}

interface NativePty {
  open(ptmx: string): { master: number; slave: number; path: string };
}

/** Where node-gyp puts the addon; the same from src/transport and dist/transport. */
export const ADDON = path.resolve(__dirname, '..', '..', 'src', 'native', 'pty', 'build', 'Release', 'sim800_pty.node');

function loadAddon(): NativePty {
  try {
    return require(ADDON) as NativePty;
  } catch (err) {
    throw new PtyError(
      `--pty needs the native pty helper, which is not built (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): run \`npm run build:native\` (needs python3, make and g++)`,
    );
  }
}

/**
 * One process 'exit' listener for every open pty: a fleet of hundreds (docs/fleet.md)
 * would otherwise add one listener each and trip Node's leak warning at 11.
 */
const atExit = new Set<() => void>();
function onProcessExit(fn: () => void): void {
  if (atExit.size === 0) process.once('exit', runAtExit);
  atExit.add(fn);
}
function offProcessExit(fn: () => void): void {
  atExit.delete(fn);
  if (atExit.size === 0) process.off('exit', runAtExit);
}
function runAtExit(): void {
  for (const fn of atExit) fn();
}

export interface PtyEndpoint {
  /** The symlink firmware opens. */
  link: string;
  /** The pty it points at (/dev/pts/N). */
  device: string;
}

/** Output the far side has not taken yet beyond this is dropped, as a UART overruns. */
const MAX_PENDING = 64 * 1024;
const RETRY_MS = 10;

export class PtyTransport {
  private master = -1;
  private slave = -1;
  private device = '';
  private reader: tty.ReadStream | null = null;
  private detach: (() => void) | null = null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private retry: NodeJS.Timeout | null = null;
  private dropped = 0;
  private closed = false;
  // A process that exits without stop() (process.exit in a script) still removes the link.
  private readonly onExit = () => this.unlink();

  constructor(
    private readonly modem: Modem,
    private readonly log: Logger,
    private readonly link: string,
    private readonly opts: { reset?: boolean; ptmx?: string } = {},
  ) {}

  /** Creates the pty, links it and attaches the modem. Throws PtyError with one clear line. */
  open(): PtyEndpoint {
    this.create();
    this.detach = this.modem.attach((data) => this.write(data), { reset: this.opts.reset });
    onProcessExit(this.onExit);
    this.log.info({ link: this.link, device: this.device }, 'pty ready');
    return { link: this.link, device: this.device };
  }

  /** Resolves once the master is closed too (a tty stream closes on a later turn). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    offProcessExit(this.onExit);
    this.detach?.();
    this.detach = null;
    const released = this.release();
    this.unlink();
    return released;
  }

  private create(): void {
    const native = loadAddon();
    const ptmx = this.opts.ptmx ?? process.env.SIM800_EMU_PTMX ?? '/dev/ptmx';
    let pty: { master: number; slave: number; path: string };
    try {
      pty = native.open(ptmx);
    } catch (err) {
      throw new PtyError(`--pty: cannot create a pseudo-terminal (${(err as Error).message}): this system offers no ptys`);
    }
    this.master = pty.master;
    this.slave = pty.slave;
    this.device = pty.path;
    try {
      pointLink(this.link, this.device);
    } catch (err) {
      this.release();
      throw err;
    }
    // A tty stream reads the master through the event loop (fs.read would block a
    // threadpool thread). Writes go through write() below, never through this stream:
    // libuv writes to a pty master in a blocking loop.
    const reader = new tty.ReadStream(this.master);
    reader.on('data', (chunk: Buffer) => this.modem.receive(chunk));
    reader.on('error', (err) => this.onBroken(err));
    this.reader = reader;
  }

  /** Closes both descriptors: the kernel frees the pty (no process holds it). */
  private release(): Promise<void> {
    let closed = Promise.resolve();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.reader) {
      this.reader.removeAllListeners('data');
      this.reader.on('error', () => undefined);
      const reader = this.reader;
      closed = new Promise((resolve) => reader.once('close', () => resolve()));
      reader.destroy(); // closes the master
    } else if (this.master >= 0) closeQuietly(this.master);
    if (this.slave >= 0) closeQuietly(this.slave);
    this.reader = null;
    this.master = this.slave = -1;
    return closed;
  }

  /**
   * The master failed (it should not while we hold the slave): make a new pty and point
   * the link at it, so the device firmware opens works again.
   */
  private onBroken(err: Error): void {
    if (this.closed) return;
    this.log.error({ err, device: this.device }, 'pty failed: creating a new one behind the same link');
    this.release();
    try {
      this.create();
    } catch (e) {
      this.log.error({ err: e }, 'could not recreate the pty');
    }
  }

  /** Non-blocking writes to the master; what the far side has not taken waits here. */
  private write(data: Buffer): void {
    if (this.master < 0) return;
    if (this.pendingBytes + data.length > MAX_PENDING) {
      if (this.dropped === 0) this.log.warn({ device: this.device }, 'nobody reads the pty: dropping output');
      this.dropped += data.length;
      return;
    }
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (!this.retry) this.flush();
  }

  private flush(): void {
    this.retry = null;
    while (this.pending.length > 0 && this.master >= 0) {
      const head = this.pending[0];
      let n: number;
      try {
        n = fs.writeSync(this.master, head);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') {
          this.retry = setTimeout(() => this.flush(), RETRY_MS);
          return;
        }
        this.log.warn({ err, device: this.device }, 'pty write failed: output dropped');
        this.pending = [];
        this.pendingBytes = 0;
        return;
      }
      this.pendingBytes -= n;
      if (n < head.length) this.pending[0] = head.subarray(n);
      else this.pending.shift();
    }
    if (this.dropped > 0) {
      this.log.warn({ device: this.device, bytes: this.dropped }, 'the pty is read again; output was dropped meanwhile');
      this.dropped = 0;
    }
  }

  /** Removes the link if it still points at our pty (another emulator may own it now). */
  private unlink(): void {
    try {
      if (fs.readlinkSync(this.link) === this.device) fs.unlinkSync(this.link);
    } catch {
      // already gone
    }
  }
}

/**
 * Points `link` at `target` atomically. A symlink left by a crashed run is replaced;
 * anything else at that path (a file, a real device) is not ours to remove.
 */
function pointLink(link: string, target: string): void {
  let existing: fs.Stats | null = null;
  try {
    existing = fs.lstatSync(link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new PtyError(`--pty ${link}: ${(err as Error).message}`);
  }
  if (existing && !existing.isSymbolicLink()) throw new PtyError(`--pty ${link}: the path exists and is not a symlink; refusing to replace it`);
  const tmp = `${link}.${process.pid}.tmp`;
  try {
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(target, tmp);
    fs.renameSync(tmp, link);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new PtyError(`--pty ${link}: cannot create the link (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}
