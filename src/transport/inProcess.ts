/**
 * In-process transport: a Duplex stream whose far end is the modem, for Node tests and
 * programs that want no socket at all.
 */
import { Duplex } from 'node:stream';
import type { Modem } from '../modem/modem';

export class InProcessPort extends Duplex {
  private readonly detach: () => void;

  constructor(modem: Modem, opts: { reset?: boolean } = {}) {
    super();
    this.detach = modem.attach((data) => this.push(data), opts);
    this.modem = modem;
  }

  private readonly modem: Modem;

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.modem.receive(chunk);
    cb();
  }

  override _read(): void {
    // Data is pushed as the modem writes it.
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.detach();
    this.push(null);
    cb(err);
  }
}
