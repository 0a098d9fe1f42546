/**
 * 10. Garbage and tail latency: what the emulator process allocates on its V8 heap per
 * `AT` round trip and per MQTT loop (`AT+SMPUB` → `+SMPUBLISH`), over many rounds in a row
 * (the allocation probe, allocProbe.ts, counts every byte the heap took between two marks),
 * and p99 over p50 of the same rounds (targets: ≤ 0.5 KB per round trip, ≤ 5 KB per loop,
 * p99 ≤ 3 × p50). The emulator is the CLI in its own process, the DTE the bench's. The
 * round trip's peer is the bare TCP responder of benchmark 1 with the same probe: what
 * Node's own sockets allocate to read a line and write an answer. The loop's is the relay
 * (peerChild.ts `mqtt-relay`) with its own aedes reached over an in-memory pipe: a bare
 * DTE server, one mqtt.js client and the broker in one process, as in the emulator's.
 */
import { latency, repeat, RoundTripper, type Latency } from './common';
import { LOOP_COMMAND, LOOP_END, modemRig } from './mqtt';
import { startEmulatorProcess, startPeer, type PeerKind, type Rpc } from './procs';

export interface AllocRun {
  rounds: number;
  /** V8 heap bytes allocated per round, in the emulator process. */
  bytesPerRound: number;
  gcs: number;
  /** Milliseconds the process spent in garbage collection over the rounds. */
  gcMs: number;
  latency: Latency;
  /** p99 / p50. */
  tail: number;
}

async function measure(emu: { allocation: { start(): Promise<void>; stop(): Promise<{ bytes: number; gcs: number; gcMs: number }> } }, rounds: number, trip: () => Promise<number>): Promise<AllocRun> {
  await repeat(Math.min(2000, rounds), trip); // JIT and buffers settle first
  await emu.allocation.start();
  const samples = await repeat(rounds, trip);
  const a = await emu.allocation.stop();
  const l = latency(samples);
  return { rounds, bytesPerRound: a.bytes / rounds, gcs: a.gcs, gcMs: a.gcMs, latency: l, tail: l.p99 / l.p50 };
}

/** The probe's two requests, to a peer forked with it. */
const probeOf = (rpc: Rpc) => ({ allocation: { start: async () => void (await rpc.ask({ op: 'alloc-start' })), stop: () => rpc.ask<{ bytes: number; gcs: number; gcMs: number }>({ op: 'alloc-stop' }) } });

/** A peer forked with the probe, driven over TCP by the same loop: `command` until `end`, `rounds` times. */
async function peerRun(kind: PeerKind, args: Record<string, unknown>, rounds: number, command: string, end: string): Promise<AllocRun> {
  const peer = await startPeer<{ port: number }>(kind, args, { probe: true });
  try {
    const dte = await RoundTripper.connect(peer.ready.port);
    try {
      return await measure(probeOf(peer.rpc), rounds, () => dte.trip(command, end));
    } finally {
      dte.close();
    }
  } finally {
    await peer.rpc.stop();
  }
}

export async function benchAllocation(rounds: number): Promise<{ at: AllocRun; atPeer: AllocRun; mqttLoop: AllocRun; mqttLoopPeer: AllocRun }> {
  const atPeer = await peerRun('tcp-responder', {}, rounds, 'AT\r', 'AT\r\r\nOK\r\n');
  const mqttLoopPeer = await peerRun('mqtt-relay', { embedded: true, id: 'bench-relay', subscribe: 'bench/loop/modem' }, rounds, LOOP_COMMAND, LOOP_END);
  const emu = await startEmulatorProcess(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'warn'], { probe: true });
  let at: AllocRun;
  try {
    const dte = await RoundTripper.connect(emu.tcp!.port);
    await dte.trip('AT\r', 'OK\r\n');
    at = await measure(emu, rounds, () => dte.trip('AT\r', 'AT\r\r\nOK\r\n'));
    dte.close();
  } finally {
    await emu.stop();
  }
  const r = await modemRig('bench/loop/modem', undefined, [], true);
  try {
    return { at, atPeer, mqttLoopPeer, mqttLoop: await measure(r.emu, rounds, () => r.dte.trip(LOOP_COMMAND, LOOP_END)) };
  } finally {
    await r.close();
  }
}
