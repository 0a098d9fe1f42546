/**
 * The TCP/IP benchmarks (issue 13; docs/tcpip.md), each against its peer in the same run:
 * 8. a TCP echo through the emulator (`AT+CIPSEND` → echo server → `+CIPRXGET: 1` →
 *    `AT+CIPRXGET=2`), round trip p50 and bytes/s with 1460-byte chunks, against the same
 *    echo server from a bare socket;
 * 9. a PubSubClient-style MQTT publish loop over the stack (MQTT packets in `AT+CIPSEND`,
 *    the delivery read with `AT+CIPRXGET`) against the SM* loop (`AT+SMPUB` → `+SMPUBLISH`).
 * The DTE is a TCP client of the emulator (the CLI in its own process), as firmware on a
 * host would be; the echo server runs in a process of its own.
 */
import { DteClient } from '../client/dteClient';
import { latency, ratio, repeat, RoundTripper, sideBySide, type Latency } from './common';
import { LOOP_COMMAND, LOOP_END, modemRig } from './mqtt';
import { startEmulatorProcess, startPeer, type EmulatorProcess } from './procs';

export interface EchoResult {
  emulator: Latency;
  peer: Latency;
  ratio: { p50: number };
  /** Bytes/s echoed in 1460-byte chunks, one at a time. */
  throughput: { emulator: number; peer: number; ratio: number };
}

export interface CipMqttResult {
  cip: Latency;
  sm: Latency;
  /** CIP loop over SM* loop, p50. */
  ratio: number;
}

interface Rig {
  emu: EmulatorProcess;
  dte: RoundTripper;
  close(): Promise<void>;
}

/** An emulator with its stack up in multi mode, CIPQSEND=1 and CIPRXGET=1, connection 0 to `to`. */
async function rig(host: string, port: number): Promise<Rig> {
  const emu = await startEmulatorProcess(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'warn']);
  const setup = await DteClient.connectTcp(emu.tcp!.port);
  await setup.ok('AT');
  for (const line of ['ATE0', 'AT+CIPMUX=1', 'AT+CIPQSEND=1', 'AT+CIPRXGET=1', 'AT+CSTT="CMNET"', 'AT+CIICR']) await setup.ok(line);
  await setup.ok('AT+CIFSR;E0'); // the bare address has no OK (TinyGSM's trick)
  const from = setup.received.length;
  setup.write(`AT+CIPSTART=0,"TCP","${host}",${port}\r`);
  await setup.waitForRaw('0, CONNECT OK\r\n', 10_000, from);
  const dte = RoundTripper.takeOver(setup.stream);
  return {
    emu,
    dte,
    async close() {
      dte.close();
      await emu.stop();
    },
  };
}

/** Sends `payload` on connection 0 and reads it back: two AT round trips, timed together. */
async function cipEcho(dte: RoundTripper, payload: string): Promise<number> {
  const sent = await dte.trip(`AT+CIPSEND=0,${payload.length}\r${payload}`, '+CIPRXGET: 1,0\r\n');
  const read = await dte.trip(`AT+CIPRXGET=2,0,${payload.length}\r`, `${payload}\r\nOK\r\n`);
  return sent + read;
}

export async function benchTcpEcho(iterations: number, chunks: number): Promise<EchoResult> {
  const echo = await startPeer<{ port: number }>('echo');
  const port = echo.ready.port;
  const r = await rig('127.0.0.1', port);
  const peer = await RoundTripper.connect(port);
  try {
    let i = 0;
    const small = () => `ping${String(i++ % 10_000).padStart(4, '0')}${'.'.repeat(24)}`; // 32 bytes
    const side = await sideBySide(
      iterations,
      100,
      Math.min(100, iterations),
      () => cipEcho(r.dte, small()),
      () => {
        const p = small();
        return peer.trip(p, p);
      },
    );
    const e = latency(side.a);
    const p = latency(side.b);
    const big = (n: number) => String.fromCharCode(0x41 + (n % 26)).repeat(1460);
    let emuMs = 0;
    let peerMs = 0;
    for (let k = 0; k < chunks; k++) {
      emuMs += await cipEcho(r.dte, big(k));
      const b = big(k + 1);
      peerMs += await peer.trip(b, b);
    }
    const bps = (ms: number) => (chunks * 1460 * 1000) / ms;
    return { emulator: e, peer: p, ratio: { p50: ratio(e.p50, p.p50) }, throughput: { emulator: bps(emuMs), peer: bps(peerMs), ratio: bps(emuMs) / bps(peerMs) } };
  } finally {
    peer.close();
    await r.close();
    await echo.rpc.stop();
  }
}

const str = (s: string) => Buffer.concat([Buffer.from([s.length >> 8, s.length & 0xff]), Buffer.from(s, 'latin1')]);
const packet = (header: number, body: Buffer) => Buffer.concat([Buffer.from([header, body.length]), body]).toString('latin1');

export async function benchCipMqtt(iterations: number): Promise<CipMqttResult> {
  const r = await rig('mqtt.example.com', 1883);
  try {
    // PubSubClient's CONNECT (clean session, keep-alive 15) and SUBSCRIBE, one CIPSEND each.
    const connect = packet(0x10, Buffer.concat([Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 15]), str('bench-cip')]));
    await r.dte.trip(`AT+CIPSEND=0,${connect.length}\r${connect}`, '+CIPRXGET: 1,0\r\n');
    await r.dte.trip('AT+CIPRXGET=2,0,4\r', '\r\nOK\r\n');
    const subscribe = packet(0x82, Buffer.concat([Buffer.from([0, 2]), str('bench/cip'), Buffer.from([0])]));
    await r.dte.trip(`AT+CIPSEND=0,${subscribe.length}\r${subscribe}`, '+CIPRXGET: 1,0\r\n');
    await r.dte.trip('AT+CIPRXGET=2,0,5\r', '\r\nOK\r\n');
    const publish = packet(0x30, Buffer.concat([str('bench/cip'), Buffer.from('ping')]));
    const loop = async () => {
      const sent = await r.dte.trip(`AT+CIPSEND=0,${publish.length}\r${publish}`, '+CIPRXGET: 1,0\r\n');
      const read = await r.dte.trip(`AT+CIPRXGET=2,0,${publish.length}\r`, 'ping\r\nOK\r\n');
      return sent + read;
    };
    for (let i = 0; i < Math.min(200, iterations); i++) await loop();
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) samples.push(await loop());
    const cip = latency(samples);
    await r.close();
    const smRig = await modemRig('bench/loop/modem');
    try {
      const trip = () => smRig.dte.trip(LOOP_COMMAND, LOOP_END);
      await repeat(Math.min(200, iterations), trip);
      const sm = latency(await repeat(iterations, trip));
      return { cip, sm, ratio: ratio(cip.p50, sm.p50) };
    } finally {
      await smRig.close();
    }
  } finally {
    await r.close();
  }
}
