/**
 * A fleet's file descriptors against `ulimit -n`. Past the limit, libuv accepts and closes
 * new TCP connections at once (it keeps a spare descriptor for that), so a DTE's connection
 * is dropped and nothing reaches the emulator: the only place to say so is the start.
 *
 * Per modem: its wire (a TCP modem: its listener and the DTE's connection, or only the
 * connection behind a fleet's shared port; a pty modem: master and slave, and the device
 * watch with --reset-on-connect), and its MQTT link: none to the embedded broker (an
 * in-memory stream), one to any other broker (the socket the fault link opened; a TLS
 * session there takes four: the loopback proxy's listener, the session's socket to it,
 * the proxy's end, the upstream socket). TLS sessions take more; the count is a lower
 * bound. Node raises the soft limit to the hard one at start, so the limit read here is
 * the hard one (`ulimit -Hn`) unless that is unlimited.
 */
import type { Logger } from 'pino';
import { openFileCount, openFileLimit } from '../transport/fdLimit';

/** What the count depends on (a fleet's options). */
export interface FdNeeds {
  modems: number;
  pty?: string;
  /** One listener for the fleet (fleet.ts sharedPort): the DTE's connection only. */
  sharedPort?: boolean;
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
  const wire = o.pty !== undefined ? (o.resetOnConnect ? 3 : 2) : o.sharedPort ? 1 : 2;
  const mqtt = (o.broker ?? 'embedded') === 'embedded' ? 0 : 1;
  const perModem = wire + mqtt;
  return { perModem, needed: openNow + HEADROOM + perModem * o.modems, limit: openFileLimit() };
}

/** One `error` line when the fleet cannot have all its modems connected at once. */
export function checkFdBudget(o: FdNeeds, log: Logger): FdBudget {
  const b = fdBudget(o);
  if (b.limit !== null && b.needed > b.limit) {
    const shared = o.pty === undefined && !o.sharedPort ? fdBudget({ ...o, sharedPort: true }) : null;
    const hint = shared && shared.needed <= b.limit ? `, or use --shared-port (one listener for the fleet: ${shared.perModem} each, ${shared.needed} in all)` : '';
    log.error(
      { modems: o.modems, needed: b.needed, limit: b.limit },
      `${o.modems} modems need about ${b.needed} file descriptors (${b.perModem} each: ${o.broker === undefined || o.broker === 'embedded' ? 'the wire' : 'the wire and the MQTT link'}) but \`ulimit -n\` is ${b.limit}: ` +
        `DTE connections past the limit will be dropped; raise it (\`ulimit -n ${b.needed}\`; Node already raised the soft limit to the hard one) before starting${hint}`,
    );
  }
  return b;
}
