/**
 * Serial transport: the modem on a real serial port (a USB-UART adapter with a
 * microcontroller on the far side), through `serialport`. The port runs at the modem's
 * rate: when AT+IPR changes it, the port follows once the result code is out, as the
 * module's UART does. An adapter that is unplugged is opened again once it is back.
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import type { SerialPortStream } from '@serialport/stream';
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';
import type { Parity } from '../uart/uart';
import { OutputBound } from '../uart/outputBound';
import { wireBytes } from '../uart/pacer';
import type { Wire } from './wire';

export interface SerialOptions {
  /** The device, e.g. /dev/ttyUSB0. */
  path: string;
  /** Default 115200. */
  baudRate?: number;
  /** Default none (8N1). */
  parity?: Parity;
  /** RTS/CTS hardware flow control. */
  rtscts?: boolean;
  /** The serialport binding; default the platform's (tests pass @serialport/binding-mock). */
  binding?: BindingInterface;
}

export interface SerialWireOptions extends SerialOptions {
  /** Power-cycle the modem every time the port is opened (again). */
  reset?: boolean;
}

export interface SerialEndpoint {
  path: string;
  baudRate: number;
}

const REOPEN_MS = 1000;

export class SerialTransport implements Wire<SerialEndpoint> {
  private port: SerialPortStream | null = null;
  private detach: (() => void) | null = null;
  private reopen: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly onRate = (rate: number) => void this.followRate(rate);
  private readonly bound: OutputBound;

  constructor(
    private readonly modem: Modem,
    private readonly opts: SerialWireOptions,
    private readonly log: Logger,
  ) {
    this.bound = new OutputBound(log, { path: opts.path });
  }

  /** Opens the port and attaches the modem; rejects with one line naming the device. */
  async open(): Promise<SerialEndpoint> {
    const baudRate = this.opts.baudRate ?? 115200;
    // Autobaud locks onto the rate the port runs at.
    this.modem.uart.dteRate(baudRate);
    this.modem.uart.on('rate', this.onRate);
    try {
      await this.connect();
    } catch (err) {
      this.modem.uart.off('rate', this.onRate);
      throw err;
    }
    return { path: this.opts.path, baudRate };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reopen) clearTimeout(this.reopen);
    this.reopen = null;
    this.modem.uart.off('rate', this.onRate);
    this.detachModem();
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async connect(): Promise<void> {
    const binding = this.opts.binding ?? (await import('serialport')).SerialPort.binding;
    // Loaded here, not at the top: only a --serial start opens one, and the stream package
    // (with its debug logger) would cost every other start's ready line.
    const { SerialPortStream } = await import('@serialport/stream');
    const port = new SerialPortStream({
      binding,
      path: this.opts.path,
      baudRate: this.modem.uart.rate,
      dataBits: 8,
      stopBits: 1,
      parity: this.opts.parity ?? 'none',
      rtscts: this.opts.rtscts ?? false,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      port.open((err) => (err ? reject(Object.assign(new Error(`--serial ${this.opts.path}: ${err.message}`), { code: 'ESERIAL' })) : resolve())),
    );
    if (this.closed) {
      // stop() came while a reopen was under way: let the port go again.
      port.close(() => undefined);
      return;
    }
    this.port = port;
    port.on('data', (chunk: Buffer) => this.modem.receive(chunk));
    port.on('error', (err) => this.log.warn({ err, path: this.opts.path }, 'serial port error'));
    port.on('close', (err?: Error & { disconnected?: boolean }) => this.onClose(port, err));
    port.on('drain', () => this.bound.drained());
    this.detach = this.modem.connectDte((bytes) => {
      const data = this.bound.fit(port.writableLength, bytes);
      if (data) port.write(wireBytes(data));
    }, { reset: this.opts.reset });
    this.log.info({ path: this.opts.path, baudRate: port.baudRate }, 'serial port open');
  }

  /** The adapter went away (unplugged): keep trying until it is back or we stop. */
  private onClose(port: SerialPortStream, err?: Error): void {
    if (this.closed || this.port !== port) return;
    this.port = null;
    this.detachModem();
    this.log.warn({ err, path: this.opts.path }, 'serial port closed; opening it again when it is back');
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    this.reopen = setTimeout(() => {
      this.reopen = null;
      if (this.closed) return;
      this.connect().catch(() => this.scheduleReopen());
    }, REOPEN_MS);
  }

  private detachModem(): void {
    this.detach?.();
    this.detach = null;
  }

  /** AT+IPR: the port switches once the bytes sent at the old rate are out. */
  private async followRate(rate: number): Promise<void> {
    await this.modem.uart.whenIdle();
    const port = this.port;
    if (!port?.isOpen) return;
    port.drain(() =>
      port.update({ baudRate: rate }, (err) => {
        if (err) this.log.warn({ err, rate }, 'the serial port cannot switch to the new rate');
        else this.log.info({ rate }, 'serial port follows AT+IPR');
      }),
    );
  }
}
