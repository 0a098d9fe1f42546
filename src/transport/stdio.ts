/**
 * Stdio transport: the modem's wire on a Readable/Writable pair (process.stdin/stdout in
 * the CLI), so `socat PTY,link=/tmp/ttySIM800,raw,echo=0 EXEC:"sim800-emu --stdio"`
 * gives firmware a serial device. Bytes pass unchanged both ways; nothing here parses AT.
 */
import { execFileSync } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ReadStream, WriteStream } from 'node:tty';
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';

export interface StdioPair {
  input: Readable;
  output: Writable;
}

export class StdioTransport {
  private detach: (() => void) | null = null;
  private readonly onData = (chunk: Buffer | string) => this.modem.receive(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  private rawTty = false;
  private rawOut = false;

  constructor(
    private readonly modem: Modem,
    private readonly pair: StdioPair,
    private readonly log: Logger,
  ) {}

  /** Attaches the modem to the pair: the DTE is "connected" for as long as the pair lives. */
  open(opts: { reset?: boolean } = {}): void {
    const { input, output } = this.pair;
    this.rawTty = setRaw(input, true);
    this.rawOut = setOutputPost(output, false, this.log);
    this.detach = this.modem.attach((data) => output.write(data), opts);
    input.on('data', this.onData);
    output.on('error', (err) => this.log.debug({ err }, 'stdio output error'));
    input.resume();
    this.log.info({ rawTty: this.rawTty }, 'DTE attached on stdio');
  }

  close(): void {
    const { input } = this.pair;
    input.off('data', this.onData);
    input.pause(); // lets the process exit: stdin no longer holds the event loop
    if (this.rawTty) setRaw(input, false);
    if (this.rawOut) setOutputPost(this.pair.output, true, this.log);
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
    execFileSync('stty', [on ? 'opost' : '-opost'], { stdio: [tty.fd, 'ignore', 'ignore'] });
    return true;
  } catch (err) {
    log.warn({ err }, 'could not switch off output processing on the stdout terminal: LF may go out as CR LF');
    return false;
  }
}
