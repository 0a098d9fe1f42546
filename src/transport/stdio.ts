/**
 * Stdio transport: the modem's wire on a Readable/Writable pair (process.stdin/stdout in
 * the CLI), so `socat PTY,link=/tmp/ttySIM800,raw,echo=0 EXEC:"sim800-emu --stdio"`
 * gives firmware a serial device. Bytes pass unchanged both ways; nothing here parses AT.
 */
import type * as ChildProcess from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ReadStream, WriteStream } from 'node:tty';
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';
import { OutputBound } from '../uart/outputBound';
import { wireBytes } from '../uart/pacer';
import type { Wire } from './wire';

export interface StdioPair {
  input: Readable;
  output: Writable;
}

export interface StdioWireOptions extends StdioPair {
  /** Power-cycle the modem when the wire opens. */
  reset?: boolean;
}

/** Nothing to dial: the DTE is whoever holds the other end of the streams. */
export type StdioEndpoint = Record<string, never>;

export class StdioTransport implements Wire<StdioEndpoint> {
  private detach: (() => void) | null = null;
  private readonly onData = (chunk: Buffer | string) => this.modem.receive(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  private readonly bound: OutputBound;
  private readonly onDrain = () => this.bound.drained();
  private readonly onOutputError = (err: Error) => this.log.debug({ err }, 'stdio output error');
  private rawTty = false;
  private rawOut = false;

  constructor(
    private readonly modem: Modem,
    private readonly opts: StdioWireOptions,
    private readonly log: Logger,
  ) {
    this.bound = new OutputBound(log, { wire: 'stdio' });
  }

  /** Attaches the modem to the pair: the DTE is "connected" for as long as the pair lives. */
  async open(): Promise<StdioEndpoint> {
    const { input, output } = this.opts;
    this.rawTty = setRaw(input, true);
    this.rawOut = setOutputPost(output, false, this.log);
    this.detach = this.modem.connectDte((bytes) => {
      const data = this.bound.fit(output.writableLength, bytes);
      if (data) output.write(wireBytes(data));
    }, { reset: this.opts.reset });
    input.on('data', this.onData);
    output.on('error', this.onOutputError);
    output.on('drain', this.onDrain);
    input.resume();
    this.log.info({ rawTty: this.rawTty }, 'DTE attached on stdio');
    return {};
  }

  async close(): Promise<void> {
    const { input, output } = this.opts;
    input.off('data', this.onData);
    input.pause(); // lets the process exit: stdin no longer holds the event loop
    output.off('drain', this.onDrain);
    if (this.rawTty) setRaw(input, false);
    if (this.rawOut) setOutputPost(output, true, this.log);
    this.detach?.();
    this.detach = null;
  }
}

/** A terminal on stdin would hand us whole edited lines: raw mode gives every byte as typed. */
function setRaw(input: Readable, on: boolean): boolean {
  const tty = input as Partial<ReadStream>;
  if (tty.isTTY !== true || typeof tty.setRawMode !== 'function') return false;
  tty.setRawMode(on);
  return true;
}

/**
 * A terminal on stdout turns every LF into CR LF (ONLCR), and Node's raw mode keeps that
 * on: `stty -opost` switches output processing off so the modem's bytes pass unchanged.
 */
function setOutputPost(output: Writable, on: boolean, log: Logger): boolean {
  const tty = output as Partial<WriteStream> & { fd?: number };
  if (tty.isTTY !== true || typeof tty.fd !== 'number') return false;
  try {
    // child_process is loaded only here: a start without a terminal on stdout never needs it.
    (require('node:child_process') as typeof ChildProcess).execFileSync('stty', [on ? 'opost' : '-opost'], { stdio: [tty.fd, 'ignore', 'ignore'] });
    return true;
  } catch (err) {
    log.warn({ err }, 'could not switch off output processing on the stdout terminal: LF may go out as CR LF');
    return false;
  }
}
