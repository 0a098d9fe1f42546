/**
 * The fleet under measurement, in a process of its own (forked by bench/fleet.ts with
 * --expose-gc), so its resident memory holds the modems and the broker only, not the
 * DTEs driving them. Messages from the parent: `status`, `measure`, `stop`.
 */
import { startFleet } from '../fleet';
import { mqttSession } from '../commands/features';
import { openFileCount } from '../transport/fdLimit';

export type ChildRequest = 'status' | 'measure' | 'stop';
export interface ChildStatus {
  /** Modems whose MQTT session is online. */
  online: number;
  /** Every modem's AT log has wrapped: what a modem holds after a long run. */
  logsFull: boolean;
  /** The fleet process's CPU time so far (user + system), ms. */
  cpuMs: number;
  /**
   * The moment the last session went online, taken in the fleet's process as it happened:
   * `process.hrtime` (the system's monotonic clock, the same in every process here) in ns,
   * and the fleet's CPU then. A status poll answers a second or two late while 10 000
   * modems keep both event loops busy, so the poll itself cannot time the bring-up.
   */
  allOnline: { atNs: string; cpuMs: number } | null;
}
export interface ChildMemory extends ChildStatus {
  /** Open file descriptors (null where they cannot be counted). */
  fds: number | null;
  rss: number;
  heapUsed: number;
  external: number;
}
export interface ChildReady {
  readyLine: string;
  startupMs: number;
  cpuMs: number;
  baseline: { rss: number; heapUsed: number; external: number };
}

const gc = () => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('fleetChild needs node --expose-gc');
  g();
  g();
};
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const memory = () => {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
};

async function main(modems: number): Promise<void> {
  const send = (m: unknown) => process.send!(m);
  const baseline = memory(); // every module loaded: code is not a modem's cost
  const fleet = await startFleet({ modems, tcp: { host: '127.0.0.1', port: 0 }, sharedPort: process.argv[3] === 'shared', brokerPort: 0, brokerTlsPort: false });
  // Sessions online, counted as they change phase (every change is a modem `change`): what
  // the polls read, and the moment the count reaches N is the bring-up's end, whatever the
  // polls see. A session is looked up at its modem's first change (its power-on when a DTE
  // connects), inside the measured span: making 10 000 before the ready message would move
  // their cost out of it.
  let allOnline: ChildStatus['allOnline'] = null;
  let onlineNow = 0;
  for (const m of fleet.modems) {
    let session: { readonly state: number } | null = null;
    let was = 0;
    m.modem.on('change', () => {
      session ??= m.modem.feature(mqttSession);
      if (session.state === was) return;
      was = session.state;
      onlineNow += was === 1 ? 1 : -1;
      if (onlineNow === modems && allOnline === null) allOnline = { atNs: String(process.hrtime.bigint()), cpuMs: cpuMs() };
    });
  }
  const status = (): ChildStatus => ({
    online: onlineNow,
    allOnline,
    logsFull: fleet.modems.every((m) => m.control.atLog.last >= m.control.atLog.capacity),
    cpuMs: cpuMs(),
  });
  process.on('message', async (req: ChildRequest) => {
    if (req === 'status') send(status() satisfies ChildStatus);
    else if (req === 'measure') send({ ...status(), ...memory(), fds: openFileCount() } satisfies ChildMemory);
    else {
      await fleet.stop();
      process.exit(0);
    }
  });
  send({ readyLine: fleet.readyLine, startupMs: fleet.startupMs, cpuMs: cpuMs(), baseline } satisfies ChildReady);
}

if (require.main === module) {
  // argv: N, then `shared` for one listener for the fleet (--shared-port).
  main(Number(process.argv[2])).catch((err: Error) => {
    process.stderr.write(`fleetChild: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
