/**
 * 1. AT round trip over TCP: `AT\r` → `AT\r\r\nOK\r\n` (echo on, as the module starts),
 * p50/p99, against a bare Node TCP server answering the same bytes, both driven by the
 * same client loop in the same run (target: overhead ratio ≤ 1.5).
 */
import * as net from 'node:net';
import { startEmulator } from '../emulator';
import { closeServer, latency, listenAny, ratio, RoundTripper, sideBySide, type Latency } from './common';

export interface AtRoundTripResult {
  emulator: Latency;
  peer: Latency;
  ratio: { p50: number; p99: number };
}

const ANSWER = 'AT\r\r\nOK\r\n';

/** The peer: answers every CR-terminated line with the echo and OK, nothing else. */
function bareServer(): net.Server {
  return net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      for (let i = d.indexOf(13); i >= 0; i = d.indexOf(13, i + 1)) socket.write(ANSWER, 'latin1');
    });
  });
}

export async function benchAtRoundTrip(iterations: number): Promise<AtRoundTripResult> {
  const emu = await startEmulator({ tcp: { host: '127.0.0.1', port: 0 }, brokerPort: 0, brokerTlsPort: false });
  const server = bareServer();
  const peerPort = await listenAny(server);
  const ours = await RoundTripper.connect(emu.endpoints.tcp!.port);
  const peer = await RoundTripper.connect(peerPort);
  try {
    await ours.trip('AT\r', 'OK\r\n'); // autobaud locks on the first AT
    const s = await sideBySide(iterations, 250, Math.min(500, iterations), () => ours.trip('AT\r', ANSWER), () => peer.trip('AT\r', ANSWER));
    const e = latency(s.a);
    const p = latency(s.b);
    return { emulator: e, peer: p, ratio: { p50: ratio(e.p50, p.p50), p99: ratio(e.p99, p.p99) } };
  } finally {
    ours.close();
    peer.close();
    await closeServer(server);
    await emu.stop();
  }
}
