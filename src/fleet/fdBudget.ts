/**
 * A fleet's file descriptors against `ulimit -n`. Past the limit, libuv accepts and closes
 * new TCP connections at once (it keeps a spare descriptor for that), so a DTE's connection
 * is dropped and nothing reaches the emulator: the only place to say so is the start.
 *
 * Per modem: its wire (a TCP modem: the listener and the DTE's connection; a pty modem:
 * master and slave, and the device watch with --reset-on-connect), and its MQTT link: none
 * to the embedded broker (an in-memory stream), four to any other broker (the fault
 * proxy's listener, the session's socket to it, the proxy's end, the upstream socket).
 * A TLS link to the embedded broker takes sockets too; the count is a lower bound.
 */
import type { Logger } from 'pino';
import { openFileCount, openFileLimit } from '../transport/fdLimit';

/** What the count depends on (a fleet's options). */
export interface FdNeeds {
  modems: number;
  pty?: string;
  resetOnConnect?: boolean;
  broker?: string;
}

/** Descriptors the process needs besides the modems' (log, threadpool, broker listeners, files being written). */
const HEADROOM = 32;

export interface FdBudget {
  perModem: number;
  /** What the whole fleet needs when every DTE and every MQTT session is connected. */
  needed: number;
  /** `ulimit -n` (soft), or null where it cannot be read. */
  limit: number | null;
}

export function fdBudget(o: FdNeeds, openNow = openFileCount() ?? 0): FdBudget {
  const wire = o.pty !== undefined ? (o.resetOnConnect ? 3 : 2) : 2;
  const mqtt = (o.broker ?? 'embedded') === 'embedded' ? 0 : 4;
  const perModem = wire + mqtt;
  return { perModem, needed: openNow + HEADROOM + perModem * o.modems, limit: openFileLimit() };
}

/** One `error` line when the fleet cannot have all its modems connected at once. */
export function checkFdBudget(o: FdNeeds, log: Logger): FdBudget {
  const b = fdBudget(o);
  if (b.limit !== null && b.needed > b.limit) {
    log.error(
      { modems: o.modems, needed: b.needed, limit: b.limit },
      `${o.modems} modems need about ${b.needed} file descriptors (${b.perModem} each: ${o.broker === undefined || o.broker === 'embedded' ? 'the wire' : 'the wire and the MQTT link'}) but \`ulimit -n\` is ${b.limit}: ` +
        `DTE connections past the limit will be dropped; raise it (\`ulimit -n ${b.needed}\`) before starting`,
    );
  }
  return b;
}
