/**
 * What the emulator holds for a DTE that does not read is bounded, as on a real UART:
 * the module's transmitter does not wait for the host, and bytes the host's receive
 * buffer cannot take are lost. Every transport asks here before it queues a chunk; a
 * chunk that would take the queue past the bound is dropped whole.
 *
 * An episode of dropping is logged once at `warn` when it starts and once at `info` when
 * the DTE reads again (with the byte count), never once per chunk: a DTE that never reads
 * would otherwise fill the log instead of the memory.
 */
import type { Logger } from 'pino';
import type { WireData } from './pacer';

/**
 * Bytes queued in the emulator for one DTE beyond what the OS already holds for it (a
 * socket's or a pty's kernel buffer). More than any single answer, which goes out in one
 * write (an AT+HTTPREAD of the whole 318976-byte response buffer, with room for a second
 * behind it); small enough that a DTE that never reads costs a bounded megabyte.
 */
export const MAX_QUEUED = 1024 * 1024;

export class OutputBound {
  private dropped = 0;

  constructor(
    private readonly log: Logger,
    /** Names the wire in the log line (e.g. `{ peer }`, `{ device }`). */
    private readonly context: Record<string, unknown> = {},
    private readonly limit = MAX_QUEUED,
  ) {}

  /**
   * What of `data` may be queued on top of `queued` bytes: all of it, the part that fits
   * (a UART sends the first bytes and loses the rest), or null for none. What is cut is
   * counted, and the episode's one warning goes out.
   */
  fit<D extends WireData>(queued: number, data: D): D | null {
    const room = this.limit - queued;
    if (data.length <= room) return data;
    if (this.dropped === 0) this.log.warn({ ...this.context, queued, limit: this.limit }, 'the DTE does not read: dropping output, as a UART does');
    this.dropped += data.length - Math.max(0, room);
    if (room <= 0) return null;
    return (typeof data === 'string' ? data.slice(0, room) : data.subarray(0, room)) as D;
  }

  /** The queue drained: an episode of dropping ends here. */
  drained(): void {
    if (this.dropped === 0) return;
    this.log.info({ ...this.context, bytes: this.dropped }, 'the DTE reads again; output was dropped meanwhile');
    this.dropped = 0;
  }

  /** Bytes dropped in the episode under way (0 when none). */
  get droppedBytes(): number {
    return this.dropped;
  }
}
