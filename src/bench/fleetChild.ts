/**
 * The fleet under measurement, in a process of its own (forked by bench/fleet.ts with
 * --expose-gc), so its resident memory holds the modems and the broker only, not the
 * DTEs driving them. Messages from the parent: `status`, `measure`, `stop`.
 */
import { startFleet } from '../fleet';
import { mqttSession } from '../commands/mqtt';

export type ChildRequest = 'status' | 'measure' | 'stop';
export interface ChildStatus {
  /** Modems whose MQTT session is online. */
  online: number;
  /** Every modem's AT log has wrapped: what a modem holds after a long run. */
  logsFull: boolean;
}
export interface ChildMemory extends ChildStatus {
  rss: number;
  heapUsed: number;
  external: number;
}
export interface ChildReady {
  readyLine: string;
  startupMs: number;
  baseline: { rss: number; heapUsed: number; external: number };
}

const gc = () => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('fleetChild needs node --expose-gc');
  g();
  g();
};
const memory = () => {
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
};

async function main(modems: number): Promise<void> {
  const send = (m: unknown) => process.send!(m);
  const baseline = memory(); // every module loaded: code is not a modem's cost
  const fleet = await startFleet({ modems, tcp: { host: '127.0.0.1', port: 0 }, brokerPort: 0, brokerTlsPort: false });
  const status = (): ChildStatus => ({
    online: fleet.modems.filter((m) => m.modem.feature(mqttSession).state === 1).length,
    logsFull: fleet.modems.every((m) => m.control.atLog.last >= m.control.atLog.capacity),
  });
  process.on('message', async (req: ChildRequest) => {
    if (req === 'status') send(status() satisfies ChildStatus);
    else if (req === 'measure') send({ ...status(), ...memory() } satisfies ChildMemory);
    else {
      await fleet.stop();
      process.exit(0);
    }
  });
  send({ readyLine: fleet.readyLine, startupMs: fleet.startupMs, baseline } satisfies ChildReady);
}

if (require.main === module) {
  main(Number(process.argv[2])).catch((err: Error) => {
    process.stderr.write(`fleetChild: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });
}
