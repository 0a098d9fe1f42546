/**
 * The MQTT benchmarks, each against a plain mqtt.js client on the same embedded broker
 * in the same run:
 * 2. the loop: `AT+SMPUB` to a topic the modem subscribed to → `+SMPUBLISH`, against
 *    mqtt.js publish → message on its own subscription (target: ratio ≤ 2);
 * 3. sustained publish throughput, QoS 0 and 1, messages/s as a separate subscriber
 *    receives them (target: ratio ≥ 0.5). Both publishers keep WINDOW publishes in
 *    flight: the DTE writes the next AT+SMPUB line when a `+SMPUB: <id>,0` ack comes
 *    (the engine queues lines that arrive while one runs), mqtt.js publishes again when
 *    a publish callback fires (QoS 0: written; QoS 1: PUBACK). Rounds alternate; the
 *    ratio is the median of the paired rounds' ratios.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { DteClient } from '../client/dteClient';
import { startEmulator, type EmulatorHandle } from '../emulator';
import { runScriptedDte } from '../fleet/driver';
import { latency, ratio, RoundTripper, sideBySide, type Latency } from './common';

export interface MqttLoopResult {
  emulator: Latency;
  peer: Latency;
  ratio: { p50: number; p99: number };
}

export interface ThroughputResult {
  qos: 0 | 1;
  messages: number;
  /** Messages per second, the median of the rounds. */
  emulator: number;
  peer: number;
  /** The median of the rounds' ratios (each emulator round over the peer round after it). */
  ratio: number;
  pairs: number[];
}

const WINDOW = 8;

interface Rig {
  emu: EmulatorHandle;
  /** The DTE, a minimal client once the modem is online (the scripted DTE set it up). */
  dte: RoundTripper;
  peer: MqttClient;
  close(): Promise<void>;
}

/**
 * An emulator whose modem is online (subscribed to `subscribe`), with its DTE over TCP or
 * in process (as a library user's test drives it), and a plain client on its broker.
 */
async function rig(subscribe: string, wire: 'tcp' | 'in process' = 'tcp'): Promise<Rig> {
  const emu = await startEmulator({ tcp: wire === 'tcp' ? { host: '127.0.0.1', port: 0 } : false, brokerPort: 0, brokerTlsPort: false });
  const setup = wire === 'tcp' ? await DteClient.connectTcp(emu.endpoints.tcp!.port) : emu.connect();
  const url = emu.endpoints.broker!.replace(/^mqtt:\/\//, '');
  // The same steps as the fleet's scripted DTE: sync, bearer, SMCONF, SMCONN, SMSUB.
  const r = await runScriptedDte(setup, 0, { url, subscribe, count: 0, stagger: false });
  if (!r.connected || r.errors.length) throw new Error(`modem setup failed: ${r.errors.join('; ')}`);
  const dte = RoundTripper.takeOver(setup.stream);
  const peer = await connectAsync(emu.endpoints.broker!, { protocolVersion: 4, reconnectPeriod: 0, clientId: 'bench-peer' });
  return {
    emu,
    dte,
    peer,
    async close() {
      await peer.endAsync(true);
      dte.close();
      await emu.stop();
    },
  };
}

export async function benchMqttLoop(iterations: number, wire: 'tcp' | 'in process' = 'tcp'): Promise<MqttLoopResult> {
  const r = await rig('bench/loop/modem', wire);
  try {
    await r.peer.subscribeAsync('bench/loop/peer', { qos: 1 });
    let delivered: (() => void) | null = null;
    r.peer.on('message', () => delivered?.());
    // OK and `+SMPUB: <id>,0` come first; the trip ends with the delivery's last bytes.
    const ours = () => r.dte.trip('AT+SMPUB="bench/loop/modem",0,0,"ping"\r', '"bench/loop/modem",4,"ping"\r\n');
    const peer = () =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        delivered = () => resolve(performance.now() - t0);
        r.peer.publish('bench/loop/peer', 'ping', { qos: 0 });
      });
    const s = await sideBySide(iterations, 100, Math.min(200, iterations), ours, peer);
    const e = latency(s.a);
    const p = latency(s.b);
    return { emulator: e, peer: p, ratio: { p50: ratio(e.p50, p.p50), p99: ratio(e.p99, p.p99) } };
  } finally {
    await r.close();
  }
}

/** Counts what reaches the broker's far side, and says when `n` messages arrived. */
async function receiver(url: string, filter: string): Promise<{ expect(n: number): Promise<number>; close(): Promise<void> }> {
  const c = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, clientId: 'bench-receiver' });
  await c.subscribeAsync(filter, { qos: 1 });
  let got = 0;
  let want = Infinity;
  let done: ((t: number) => void) | null = null;
  c.on('message', () => {
    if (++got >= want) done?.(performance.now());
  });
  return {
    expect(n) {
      got = 0;
      want = n;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver: ${got} of ${n} messages after 60 s`)), 60_000);
        done = (t) => {
          clearTimeout(timer);
          done = null;
          resolve(t);
        };
      });
    },
    close: () => c.endAsync(true),
  };
}

/** Keeps `window` calls of `send` outstanding until `n` were sent; `send` resolves when one completes. */
async function windowed(n: number, window: number, send: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await send(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
}

export async function benchThroughput(qos: 0 | 1, messages: number, rounds: number): Promise<ThroughputResult> {
  const r = await rig('bench/none');
  const rx = await receiver(r.emu.endpoints.broker!, 'bench/tput/#');
  try {
    // Each `+SMPUB: <id>,0` ack frees a place in the window for the next line.
    let acked: (() => void)[] = [];
    r.dte.countEach('+SMPUB: ', () => acked.shift()?.());
    const ours = async () => {
      const arrived = rx.expect(messages);
      const t0 = performance.now();
      await windowed(messages, WINDOW, () => {
        const done = new Promise<void>((resolve) => acked.push(resolve));
        r.dte.write(`AT+SMPUB="bench/tput/modem",${qos},0,"0123456789abcdef"\r`);
        return done;
      });
      acked = [];
      return messages / (((await arrived) - t0) / 1000);
    };
    const peer = async () => {
      const arrived = rx.expect(messages);
      const t0 = performance.now();
      await windowed(messages, WINDOW, () => new Promise<void>((resolve) => r.peer.publish('bench/tput/peer', '0123456789abcdef', { qos }, () => resolve())));
      return messages / (((await arrived) - t0) / 1000);
    };
    const s = await sideBySide(rounds, 1, 1, ours, peer);
    const median = (xs: number[]) => latency(xs).p50;
    // Each emulator round is paired with the peer round right after it; the ratio is the
    // median of those pairs', so a stretch when the host runs slow hits both sides of a pair
    // (the VM's speed was seen to change by a third from one second to the next).
    const pairs = s.a.map((x, i) => ratio(x, s.b[i]));
    return { qos, messages, emulator: median(s.a), peer: median(s.b), ratio: median(pairs), pairs };
  } finally {
    await rx.close();
    await r.close();
  }
}
