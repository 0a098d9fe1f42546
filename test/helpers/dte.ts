/**
 * Test harness for the AT layer and the modem commands: an emulator with an in-process
 * DTE, and helpers that wait until the engine is idle so that tests can assert the exact
 * bytes a line produced (the DteClient's send() only knows the usual final result codes).
 */
import { assembleModem, startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator';
import { DteClient } from '../../src/client/dteClient';
import { FAMILIES } from '../../src/commands';
import { FEATURES } from '../../src/commands/features';
import { buildTable } from '../../src/at/command';
import type { Command } from '../../src/commands/family';
import type { Modem } from '../../src/modem/modem';
import { mergeModemConfig, type ModemConfig } from '../../src/modem/config';
import { InProcessPort } from '../../src/transport/inProcess';
import { VirtualClock as FakeClock } from '../../src/clock';
import { PROFILES, type TimingProfile } from '../../src/profile';

const tick = () => new Promise<void>((r) => setImmediate(r));
/** A timer turn as well: handlers defer work with setTimeout(0) (AT+CFUN=1,1 restarts after OK). */
const timerTick = () => new Promise<void>((r) => setTimeout(r, 0));

/** How long settle() waits for the modem to go quiet before it fails the test. */
export const SETTLE_LIMIT_MS = 5000;

export interface Dte {
  readonly modem: Modem;
  readonly client: DteClient;
  /** Writes raw bytes (latin1 string or Buffer). */
  write(data: string | Buffer): void;
  /**
   * Resolves once the engine is idle and no byte arrived for a few event-loop turns;
   * rejects when that has not happened within `limitMs` of host time. Idle: no line
   * running, or the running line waits for the DTE (a `> ` prompt), or it waits for a
   * VirtualClock that only the test moves.
   */
  settle(limitMs?: number): Promise<void>;
  /** Sends `line` (CR appended unless `raw`) and resolves with exactly the bytes it produced. */
  exchange(line: string, opts?: { raw?: boolean }): Promise<string>;
  /** Bytes received since the last mark()/exchange(). */
  sinceMark(): string;
  mark(): void;
  received(): string;
  close(): Promise<void>;
}

function makeDte(modem: Modem, client: DteClient, onClose: () => Promise<void>): Dte {
  let markAt = 0;
  const virtualTime = modem.clock instanceof FakeClock;
  const idle = () => !modem.engine.isBusy || modem.engine.awaitingData || virtualTime;
  const settle = async (limitMs = SETTLE_LIMIT_MS) => {
    const deadline = performance.now() + limitMs;
    let stable = 0;
    let seen = client.received.length;
    while (stable < 4) {
      if (performance.now() > deadline) {
        throw new Error(`settle: the modem did not go quiet within ${limitMs} ms (a line running: ${modem.engine.isBusy}; ${client.received.length} bytes received)`);
      }
      await (stable === 2 ? timerTick() : tick());
      const now = client.received.length;
      if (now === seen && idle()) stable++;
      else stable = 0;
      seen = now;
    }
  };
  const dte: Dte = {
    modem,
    client,
    write: (data) => client.write(data),
    settle,
    async exchange(line, opts) {
      await settle();
      dte.mark();
      client.write(opts?.raw ? line : line + '\r');
      await settle();
      return dte.sinceMark();
    },
    sinceMark: () => client.received.slice(markAt),
    mark: () => {
      markAt = client.received.length;
    },
    received: () => client.received,
    close: async () => {
      await client.close();
      await onClose();
    },
  };
  return dte;
}

/** An emulator (no TCP) with one in-process DTE attached. */
export async function startDte(opts: EmulatorOptions = {}): Promise<Dte & { emu: EmulatorHandle }> {
  // brokerPort 0: the embedded MQTT broker would otherwise take 127.0.0.1:1883, which
  // parallel Jest workers (or a system mosquitto) already hold.
  const emu = await startEmulator({ tcp: false, brokerPort: 0, ...opts });
  const client = emu.connect();
  const dte = makeDte(emu.modem, client, () => emu.stop());
  await dte.settle();
  return Object.assign(dte, { emu });
}

/**
 * An emulator already synced (autobaud locked by a first `AT`) with echo off, every byte
 * so far consumed: the usual starting point of a command test.
 */
export async function readyDte(opts: EmulatorOptions = {}): Promise<Dte & { emu: EmulatorHandle }> {
  const dte = await startDte(opts);
  await dte.exchange('AT');
  await dte.exchange('ATE0');
  dte.mark();
  return dte;
}

/**
 * A clock that only moves when the test says so: the library's VirtualClock (timers fire
 * in order on advance(); advanceAsync()/runAll() also let promise chains run between them).
 */
export { VirtualClock as FakeClock } from '../../src/clock';

/**
 * The profile's transition figures, exactly: no jitter, and CFUN answering at once, so a
 * test can step the clock to the millisecond where a URC is due. Commands answer at once
 * too unless the test gives their latency.
 */
export const exactFigures = (p: TimingProfile, commandMs = 0): TimingProfile => ({ ...p, jitter: 0, commandMs, cfunMs: 0, cfunOkMs: 0 });

/**
 * A modem on a FakeClock with an in-process DTE, for tests of time (RTC, NITZ, delays,
 * command latency: `commandMs`).
 */
export async function fakeClockDte(
  opts: { modem?: Partial<ModemConfig>; profile?: 'instant' | 'realistic'; clock?: FakeClock; commandMs?: number } = {},
): Promise<Dte & { clock: FakeClock }> {
  const clock = opts.clock ?? new FakeClock();
  const m = assembleModem({
    config: mergeModemConfig(opts.modem),
    clock,
    profile: exactFigures(PROFILES[opts.profile ?? 'instant'], opts.commandMs),
  });
  const client = new DteClient(new InProcessPort(m));
  const dte = makeDte(m, client, async () => m.powerDown());
  await dte.settle();
  return Object.assign(dte, { clock });
}

/** A modem whose table has `extra` commands besides the real ones (engine tests of handler shapes). */
export async function extraCommandsDte(extra: Command[]): Promise<Dte> {
  const m = assembleModem({ catalog: { table: buildTable(...FAMILIES.map((f) => f.load().commands), extra), features: FEATURES }, config: mergeModemConfig({}) });
  const client = new DteClient(new InProcessPort(m));
  const dte = makeDte(m, client, async () => m.powerDown());
  await dte.settle();
  await dte.exchange('AT');
  await dte.exchange('ATE0');
  dte.mark();
  return dte;
}
