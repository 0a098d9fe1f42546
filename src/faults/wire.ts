/**
 * The UART's faults, between the DTE and the engine (Modem.tap):
 * - garble: single-bit flips in a fraction of the bytes, seeded, in one or both
 *   directions: line noise, a wrong baud rate's worth of damage;
 * - freeze: the module answers nothing at all. What it would have said meanwhile (the
 *   final result of a command already running, URCs) is held and comes out when it
 *   thaws, like firmware that was stuck and carries on. Input is lost by default (the
 *   module's UART buffer overruns: the engine ignores input while `frozen`), or held
 *   with `input: hold` (hardware flow control holding the DTE back) and read on thaw.
 * A power cycle ends a freeze (Modem.powerOn clears `frozen`) and drops what was held.
 */
import type { Modem, WireTap } from '../modem/modem';
import type { Random } from '../random';
import { wireBytes, type Sink, type WireData } from '../uart/pacer';

export type WireDirection = 'rx' | 'tx' | 'both';

export class FaultWire implements WireTap {
  garble: { rate: number; direction: WireDirection } | null = null;
  private holdInput = false;
  private heldOut: Buffer[] = [];
  private heldIn: Buffer[] = [];
  private send: Sink | null = null;
  /** Bytes flipped so far, both ways. */
  garbled = 0;

  constructor(
    private readonly modem: Modem,
    private readonly random: Random,
  ) {
    modem.on('reset', () => {
      this.heldOut = [];
      this.heldIn = [];
    });
  }

  rx(data: Buffer): Buffer {
    if (this.modem.frozen && this.holdInput) {
      this.heldIn.push(Buffer.from(data));
      return Buffer.alloc(0);
    }
    return this.noise(data, 'rx');
  }

  tx(data: WireData, send: Sink): void {
    this.send = send;
    if (this.modem.frozen) this.heldOut.push(Buffer.from(wireBytes(data)));
    else if (this.garbles('tx')) send(this.noise(wireBytes(data), 'tx'));
    else send(data);
  }

  private garbles(way: 'rx' | 'tx'): boolean {
    const g = this.garble;
    return g !== null && (g.direction === 'both' || g.direction === way);
  }

  freeze(input: 'drop' | 'hold'): void {
    this.holdInput = input === 'hold';
    this.modem.setFrozen(true);
  }

  /** The module carries on: held answers first, then the input that waited. */
  thaw(): void {
    if (!this.modem.frozen) return;
    this.modem.setFrozen(false);
    const out = this.heldOut.splice(0);
    const inp = this.heldIn.splice(0);
    if (out.length && this.send) this.send(this.noise(Buffer.concat(out), 'tx'));
    if (inp.length) this.modem.receive(Buffer.concat(inp));
  }

  private noise(data: Buffer, way: 'rx' | 'tx'): Buffer {
    const g = this.garble;
    if (!g || !this.garbles(way)) return data;
    let out: Buffer | null = null;
    for (let i = 0; i < data.length; i++) {
      if (!this.random.chance(g.rate)) continue;
      out ??= Buffer.from(data);
      out[i] ^= 1 << this.random.int(0, 7);
      this.garbled++;
    }
    return out ?? data;
  }
}
