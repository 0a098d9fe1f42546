/**
 * One interface for every way a DTE reaches the modem: a wire opens (listens, creates its
 * pty, opens its port, attaches its streams) and resolves to where it can be reached, and
 * closes. Every transport is built the same way, `new X(modem, options, log)`, and is
 * found by name in WIRES (wires.ts), like mqtt.js's `protocols` map or Zephyr's modem
 * backends: adding a transport is one class and one entry there.
 *
 * Rules every wire keeps (docs/cli.md, One wire): one DTE at a time (Modem.attach throws for
 * a second); `reset` power-cycles the modem on every new DTE connection; what waits for a
 * DTE that does not read is bounded (uart/outputBound.ts); close() lets go of everything the
 * wire holds without waiting on the far side.
 */
export interface Wire<E = unknown> {
  /** Makes the wire reachable; rejects with one line naming what failed. */
  open(): Promise<E>;
  /** Lets go of the DTE and every resource; never waits on the far side. */
  close(): Promise<void>;
}
