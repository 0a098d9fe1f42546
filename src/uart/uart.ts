/**
 * The modem's UART: its line format, its rate, and (opt-in) pacing of what it sends.
 * The one place between the AT engine's output and every transport: Modem.connectDte()
 * connects each DTE's sink through here.
 *
 * The rate follows AT+IPR: a fixed rate takes effect after the result code of the line
 * that set it (manual, AT+IPR: "following the issuance of any result code associated
 * with the current command line"); under autobaud (IPR=0) the module locks onto the
 * DTE's rate, which is the configured line rate (--baud, default 115200) or the rate a
 * serial port was opened at.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { silentLogger } from '../log';
import { OutputBound } from './outputBound';
import { Pacer, type Sink } from './pacer';

export const PARITIES = ['none', 'even', 'odd'] as const;
export type Parity = (typeof PARITIES)[number];

export interface LineFormat {
  baudRate: number;
  dataBits: 5 | 6 | 7 | 8;
  parity: Parity;
  stopBits: 1 | 2;
}

/** The SIM800's factory frame (8N1); the rate is what autobaud meets most often. */
export const DEFAULT_LINE: LineFormat = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 };

/** Bits on the wire per byte: start bit, data bits, parity bit if any, stop bits (8N1: 10). */
export function bitsPerFrame(f: Pick<LineFormat, 'dataBits' | 'parity' | 'stopBits'>): number {
  return 1 + f.dataBits + (f.parity === 'none' ? 0 : 1) + f.stopBits;
}

/** Milliseconds one byte takes on the wire (115200 8N1: 0.0868). */
export function byteTimeMs(f: Pick<LineFormat, 'dataBits' | 'parity' | 'stopBits'>, baudRate: number): number {
  return (bitsPerFrame(f) * 1000) / baudRate;
}

export interface UartOptions {
  /** Send at the wire rate instead of as fast as the transport takes bytes. */
  pace?: boolean;
  /** The DTE's line; missing fields from DEFAULT_LINE. */
  line?: Partial<LineFormat>;
  /** Where a paced wire's overrun (bytes dropped: outputBound.ts) is logged. */
  log?: Logger;
}

/** One DTE's connection: the engine writes here. */
export interface UartWire {
  write: Sink;
  close(): void;
}

export class Uart extends EventEmitter<{ rate: [rate: number] }> {
  readonly pace: boolean;
  readonly line: LineFormat;
  private currentRate: number;
  private ipr = 0;
  private pacer: Pacer | null = null;
  private readonly log: Logger;

  constructor(
    opts: UartOptions,
    private readonly clock: Clock,
  ) {
    super();
    this.log = opts.log ?? silentLogger;
    this.pace = opts.pace === true;
    this.line = { ...DEFAULT_LINE, ...opts.line };
    this.currentRate = this.line.baudRate;
  }

  /** The rate the modem sends at now. */
  get rate(): number {
    return this.currentRate;
  }

  /**
   * The AT+IPR setting, read at power-up and after every line's result code. A fixed
   * rate takes over; 0 (autobaud) keeps the rate in use, since the DTE keeps talking at it.
   */
  follow(ipr: number): void {
    this.ipr = ipr;
    if (ipr !== 0) this.setRate(ipr);
  }

  /** A DTE arrived at this rate (a port opened or reconfigured): autobaud locks onto it. */
  dteRate(baudRate: number): void {
    if (this.ipr === 0) this.setRate(baudRate);
  }

  /** Connects a DTE's sink: paced when pacing is on, direct otherwise. */
  connect(sink: Sink): UartWire {
    if (!this.pace) return { write: sink, close: () => undefined };
    const pacer = new Pacer(sink, this.clock, () => byteTimeMs(this.line, this.currentRate), new OutputBound(this.log, { wire: 'uart' }));
    this.pacer = pacer;
    return {
      write: (data) => pacer.write(data),
      close: () => {
        pacer.close();
        if (this.pacer === pacer) this.pacer = null;
      },
    };
  }

  /** Bytes the paced wire holds back (0 unpaced: the transport holds them). */
  get queued(): number {
    return this.pacer?.queued ?? 0;
  }

  /** Resolves once every byte the modem has written is on the wire. */
  whenIdle(): Promise<void> {
    return this.pacer?.whenIdle() ?? Promise.resolve();
  }

  private setRate(rate: number): void {
    if (rate === this.currentRate) return;
    this.currentRate = rate;
    this.emit('rate', rate);
  }
}
