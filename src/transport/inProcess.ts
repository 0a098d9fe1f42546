/**
 * In-process transport: a Duplex stream whose far end is the modem, for Node tests and
 * programs that want no socket at all. What the program has not read is bounded like any
 * wire's (outputBound.ts).
 */
import { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { silentLogger } from '../log';
import type { Modem } from '../modem/modem';
import { OutputBound } from '../uart/outputBound';
import { wireBytes } from '../uart/pacer';
import type { Wire } from './wire';

export interface InProcessWireOptions {
  /** Power-cycle the modem when the port opens. */
  reset?: boolean;
}

export class InProcessPort extends Duplex {
  private readonly detach: () => void;
  private readonly bound: OutputBound;

  constructor(
    private readonly modem: Modem,
    opts: InProcessWireOptions = {},
    log: Logger = silentLogger,
  ) {
    super();
    this.bound = new OutputBound(log, { wire: 'in-process' });
    this.detach = modem.connectDte((bytes) => {
      const data = this.bound.fit(this.readableLength, bytes);
      if (data) this.push(wireBytes(data));
    }, opts);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // The program may reuse its buffer once the write is done; the modem keeps what it gets.
    this.modem.receive(Buffer.from(chunk));
    cb();
  }

  override _read(): void {
    // Data is pushed as the modem writes it; a read means the program takes it again.
    this.bound.drained();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.detach();
    this.push(null);
    cb(err);
  }
}

export interface InProcessEndpoint {
  /** The DTE's end: write AT, read the answers. */
  port: InProcessPort;
}

/** The in-process port as a Wire: open() attaches it, close() destroys it. */
export class InProcessWire implements Wire<InProcessEndpoint> {
  private port: InProcessPort | null = null;

  constructor(
    private readonly modem: Modem,
    private readonly opts: InProcessWireOptions,
    private readonly log: Logger,
  ) {}

  async open(): Promise<InProcessEndpoint> {
    this.port = new InProcessPort(this.modem, this.opts, this.log);
    return { port: this.port };
  }

  async close(): Promise<void> {
    this.port?.destroy();
    this.port = null;
  }
}
