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
import type * as net from 'node:net';
import type * as tty from 'node:tty';
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';
import { OutputBound } from '../uart/outputBound';
import { takeWire, type WireData } from '../uart/pacer';
import { READ_BUFFER, readView } from './readBuffer';
import { ANSWER_TURNS } from './tcp';
import type { Wire } from './wire';

/** A failure to provide a pty: one line for the user; no errno code, so the CLI exits 2. */
export class PtyError extends Error {}

interface DeviceWatch {
  /** Reads pending events now: onChange runs before check() returns if any. */
  check(): void;
  close(): void;
}

interface NativePty {
  open(ptmx: string): { master: number; slave: number; path: string };
  watch(device: string, onChange: (events: string) => void): DeviceWatch;
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

export interface PtyWireOptions {
  /** The symlink firmware opens, e.g. /tmp/ttySIM800. */
  link: string;
  /** Power-cycle the modem every time a program opens the device (seen with inotify). */
  reset?: boolean;
  /** The pty multiplexer (default /dev/ptmx, or SIM800_EMU_PTMX). */
  ptmx?: string;
}

const RETRY_MS = 10;

export class PtyTransport implements Wire<PtyEndpoint> {
  private master = -1;
  private slave = -1;
  private device = '';
  private reader: tty.ReadStream | null = null;
  private watch: DeviceWatch | null = null;
  /** Programs that have the device open now, as the watch counts them. */
  private openers = 0;
  private detach: (() => void) | null = null;
  /** Output not yet written to the master, oldest first. */
  private pending: WireData[] = [];
  private pendingBytes = 0;
  private retry: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  /** The modem is taking in a chunk the DTE sent: what it answers is written when it is done. */
  private receiving = false;
  /** Output waits for in-process answers (see the reader). */
  private holding = false;
  private readonly bound: OutputBound;
  private closed = false;
  // A process that exits without stop() (process.exit in a script) still removes the link.
  private readonly onExit = () => this.unlink();

  constructor(
    private readonly modem: Modem,
    private readonly opts: PtyWireOptions,
    private readonly log: Logger,
  ) {
    this.bound = new OutputBound(log, { link: opts.link });
  }

  private get link(): string {
    return this.opts.link;
  }

  /** Creates the pty, links it and attaches the modem. Rejects with a PtyError of one clear line. */
  async open(): Promise<PtyEndpoint> {
    this.create();
    this.attachModem(this.opts.reset === true);
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

  /** Bytes waiting in this process for the far side (beyond what the pty itself holds). */
  get queued(): number {
    return this.pendingBytes;
  }

  private attachModem(reset: boolean): void {
    this.detach = this.modem.connectDte((data) => this.write(data), { reset });
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
      if (this.opts.reset) this.watchOpeners(native);
      pointLink(this.link, this.device);
    } catch (err) {
      void this.release();
      throw err;
    }
    // A tty stream reads the master through the event loop (fs.read would block a
    // threadpool thread). Writes go through write() below, never through this stream:
    // libuv writes to a pty master in a blocking loop.
    // tty is loaded only when a pty opens: no other start needs it before its ready line.
    // It reads into the process's one read buffer (readBuffer.ts), lent to the modem for the call.
    const onread = {
      buffer: READ_BUFFER,
      callback: (n: number) => {
        if (this.reader === reader) this.onInput(readView(n));
      },
    };
    const reader = new (require('node:tty') as typeof tty).ReadStream(this.master, { onread } as net.SocketConstructorOpts);
    reader.on('error', (err) => this.onBroken(err));
    this.reader = reader;
    reader.resume();
  }

  /** Bytes the DTE wrote, lent for the call; their answers go out together (the TCP wire's rule). */
  private onInput(chunk: Buffer): void {
    // An open that came before these bytes is taken in first: the opener's bytes go
    // to the module it opened, not to the one before the reset.
    this.watch?.check();
    this.receiving = true;
    try {
      this.modem.receive(chunk, true);
    } finally {
      this.receiving = false;
    }
    // In-process answers due (the embedded broker's acks or deliveries) join this write
    // as soon as they are in, ANSWER_TURNS later at most (as on the TCP wire).
    if (this.modem.answersDue > 0) {
      this.holding = true;
      this.schedule(ANSWER_TURNS);
    } else if (!this.retry) this.flush();
  }

  /**
   * --reset-on-connect: we hold the slave ourselves, so the master never sees a program
   * come or go; the device node's opens and closes (inotify) do. A program opening the
   * device when nobody had it open is a new DTE connection: the module restarts, and what
   * was waiting for the one before is dropped.
   */
  private watchOpeners(native: NativePty): void {
    this.openers = 0;
    try {
      this.watch = native.watch(this.device, (events) => this.onOpeners(events));
    } catch (err) {
      throw new PtyError(`--pty --reset-on-connect: cannot watch ${this.device} for opens (${(err as Error).message})`);
    }
  }

  /** `events`: 'o' for an open of the device, 'c' for a close, in order. */
  private onOpeners(events: string): void {
    if (this.closed) return;
    let fresh = false;
    for (const e of events) {
      if (e === 'o') {
        if (this.openers === 0) fresh = true;
        this.openers++;
      } else this.openers = Math.max(0, this.openers - 1);
    }
    if (!fresh || !this.detach) return;
    this.log.info({ device: this.device }, 'DTE opened the pty: restarting the module (--reset-on-connect)');
    this.pending = [];
    this.pendingBytes = 0;
    this.detach();
    this.attachModem(true);
  }

  /** Closes both descriptors: the kernel frees the pty (no process holds it). */
  private release(): Promise<void> {
    let closed = Promise.resolve();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.pending = [];
    this.pendingBytes = 0;
    this.watch?.close();
    this.watch = null;
    if (this.reader) {
      this.reader.on('error', () => undefined);
      const reader = this.reader;
      this.reader = null; // its reads go nowhere from here
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
    void this.release();
    try {
      this.create();
    } catch (e) {
      this.log.error({ err: e }, 'could not recreate the pty');
    }
  }

  /**
   * Non-blocking writes to the master; what the far side has not taken waits here, bounded.
   * Gathered like the TCP wire's: the answers to a chunk from the DTE in one write once it
   * is taken in, anything else once per event-loop turn.
   */
  private write(bytes: WireData): void {
    if (this.master < 0) return;
    const data = this.bound.fit(this.pendingBytes, bytes);
    if (!data) return;
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.receiving || this.retry) return;
    if (this.holding) {
      if (this.modem.answersDue === 0) {
        this.holding = false;
        this.flush();
      }
      return;
    }
    this.schedule(1);
  }

  /** A flush `turns` event-loop turns from now (one already scheduled stands). */
  private schedule(turns: number): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const later = (left: number) => () => {
      if (left > 1 && this.holding) return void setImmediate(later(left - 1));
      this.holding = false;
      this.flushScheduled = false;
      if (!this.retry) this.flush();
    };
    setImmediate(later(turns));
  }

  private flush(): void {
    this.retry = null;
    if (this.pending.length > 1) this.pending.push(takeWire(this.pending));
    while (this.pending.length > 0 && this.master >= 0) {
      const head = this.pending[0];
      let n: number;
      try {
        n = typeof head === 'string' ? fs.writeSync(this.master, head, null, 'latin1') : fs.writeSync(this.master, head);
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
      if (n < head.length) this.pending[0] = typeof head === 'string' ? head.slice(n) : head.subarray(n);
      else this.pending.shift();
    }
    if (this.pending.length === 0) this.bound.drained();
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
