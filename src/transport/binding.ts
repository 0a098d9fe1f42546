/**
 * A `serialport` binding whose ports are emulated modems: a Node program that uses
 * serialport talks to a SIM800 with no pty and no socket at all.
 *
 *   const binding = createModemBinding(emulator);
 *   const port = new SerialPortStream({ binding, path: 'sim800://0', baudRate: 115200 });
 *
 * Semantics follow @serialport/binding-mock, the reference for what serialport expects:
 * a read resolves once bytes arrive, close() rejects the pending read with a `canceled`
 * error, calls on a closed port reject. One wire: a modem with a DTE already attached
 * (a TCP client, a pty, another port) cannot be opened.
 */
import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-interface';
import { silentLogger } from '../log';
import type { Modem } from '../modem/modem';
import { OutputBound } from '../uart/outputBound';
import { wireBytes } from '../uart/pacer';

export const PATH_PREFIX = 'sim800://';

/** What the binding serves: an emulator handle (its modem), a modem, or a list of them. */
export type ModemSource = { readonly modem: Modem } | Modem;

export interface ModemBindingOptions {
  /** Power-cycle the modem every time a port opens (as --reset-on-connect). */
  resetOnOpen?: boolean;
}

export type ModemBinding = BindingInterface<ModemPort, OpenOptions, PortInfo>;

/** The error serialport expects from a read or write cut short by close(). */
class CanceledError extends Error {
  readonly canceled = true;
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

export function createModemBinding(source: ModemSource | readonly ModemSource[], opts: ModemBindingOptions = {}): ModemBinding {
  const modems = (Array.isArray(source) ? source : [source]).map((s: ModemSource) => ('modem' in s ? s.modem : s));
  const pathOf = (i: number) => `${PATH_PREFIX}${i}`;
  return {
    async list() {
      return modems.map((_, i) => ({
        path: pathOf(i),
        manufacturer: 'SIMCOM_Ltd (sim800-emu)',
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
      }));
    },
    async open(options) {
      if (!options || typeof options !== 'object') throw new TypeError('"options" is not an object');
      if (!options.baudRate) throw new TypeError('"baudRate" is not a valid baudRate');
      const m = new RegExp(`^${PATH_PREFIX}(\\d+)$`).exec(options.path ?? '');
      const modem = m ? modems[Number(m[1])] : undefined;
      if (!modem) throw new Error(`no emulated modem at "${options.path}": the ports are ${modems.map((_, i) => pathOf(i)).join(', ')}`);
      if (modem.dteConnected) throw new Error(`${options.path} is busy: a DTE is already attached to this modem (one wire)`);
      await nextTick();
      return new ModemPort(modem, options, opts.resetOnOpen === true);
    },
  };
}

export class ModemPort implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  private received: Buffer[] = [];
  private receivedBytes = 0;
  /** What the program has not read is bounded like any wire's (uart/outputBound.ts). */
  private readonly bound = new OutputBound(silentLogger, { wire: 'serialport binding' });
  private pendingRead: ((err?: Error) => void) | null = null;
  private readonly detach: () => void;

  constructor(
    private readonly modem: Modem,
    options: OpenOptions,
    reset: boolean,
  ) {
    this.openOptions = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: 'none',
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    };
    // Autobaud locks onto the rate the program opened the port at.
    modem.uart.dteRate(options.baudRate);
    this.detach = modem.connectDte((data) => this.onModemData(wireBytes(data)), { reset });
  }

  async close(): Promise<void> {
    this.assertOpen();
    this.isOpen = false;
    this.detach();
    this.received = [];
    this.receivedBytes = 0;
    this.wakeReader(new CanceledError('port is closed'));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!Buffer.isBuffer(buffer)) throw new TypeError('"buffer" is not a Buffer');
    if (buffer.length < offset + length) throw new Error('buffer is too small');
    this.assertOpen();
    while (this.received.length === 0) {
      await new Promise<void>((resolve, reject) => {
        this.pendingRead = (err) => (err ? reject(err) : resolve());
      });
    }
    let bytesRead = 0;
    while (bytesRead < length && this.received.length > 0) {
      const head = this.received[0];
      const n = head.copy(buffer, offset + bytesRead, 0, length - bytesRead);
      bytesRead += n;
      if (n < head.length) this.received[0] = head.subarray(n);
      else this.received.shift();
    }
    this.receivedBytes -= bytesRead;
    if (this.receivedBytes === 0) this.bound.drained();
    return { buffer, bytesRead };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!Buffer.isBuffer(buffer)) throw new TypeError('"buffer" is not a Buffer');
    this.assertOpen();
    const copy = Buffer.from(buffer); // the caller may reuse its buffer once we resolve
    await nextTick();
    if (!this.isOpen) throw new CanceledError('write canceled: the port is closed');
    this.modem.receive(copy);
  }

  async update(options: UpdateOptions): Promise<void> {
    if (typeof options?.baudRate !== 'number') throw new TypeError('"options.baudRate" is not a number');
    this.assertOpen();
    this.openOptions.baudRate = options.baudRate;
    this.modem.uart.dteRate(options.baudRate);
  }

  /** The emulated module has no modem-control lines to drive: accepted and ignored. */
  async set(options: SetOptions): Promise<void> {
    if (typeof options !== 'object') throw new TypeError('"options" is not an object');
    this.assertOpen();
  }

  /** CTS on (no flow control holding us), DSR on (the module is there), no carrier. */
  async get(): Promise<PortStatus> {
    this.assertOpen();
    return { cts: true, dsr: true, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.assertOpen();
    return { baudRate: this.openOptions.baudRate };
  }

  /** Discards what the modem sent that the program has not read. */
  async flush(): Promise<void> {
    this.assertOpen();
    this.received = [];
    this.receivedBytes = 0;
    this.bound.drained();
  }

  /** Writes reach the modem as they resolve: nothing is left to transmit. */
  async drain(): Promise<void> {
    this.assertOpen();
    await nextTick();
  }

  private onModemData(bytes: Buffer): void {
    const data = this.isOpen ? this.bound.fit(this.receivedBytes, bytes) : null;
    if (!data) return;
    this.received.push(Buffer.from(data));
    this.receivedBytes += data.length;
    this.wakeReader();
  }

  private wakeReader(err?: Error): void {
    const wake = this.pendingRead;
    this.pendingRead = null;
    wake?.(err);
  }

  private assertOpen(): void {
    if (!this.isOpen) throw new Error('Port is not open');
  }
}
