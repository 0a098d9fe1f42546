/**
 * The MQTT benchmarks. The emulator runs in its own process (the CLI), its modem driven over
 * TCP by the DTE in the bench process; its peer is a plain mqtt.js client in a process of
 * its own, on the same broker, in the same run:
 * 2. the loop: `AT+SMPUB` to a topic the modem subscribed to → `+SMPUBLISH`, against mqtt.js
 *    publish → message on its own subscription (target: ratio ≤ 1.5), on the embedded
 *    broker and on a mosquitto the bench starts (`--broker mqtt://…`);
 * 3. sustained publish throughput, QoS 0 and 1, messages/s as a subscriber in a third
 *    process receives them (target: ratio ≥ 0.7 at QoS 0, ≥ 0.8 at QoS 1). Both publishers
 *    keep `window` publishes in flight (WINDOW, judged, and SHALLOW_WINDOW beside it): the
 *    DTE writes the next AT+SMPUB line when a `+SMPUB: <id>,0` ack comes (the engine
 *    queues lines that arrive while one runs), mqtt.js publishes again when a publish
 *    callback fires (QoS 0: written; QoS 1: PUBACK).
 *    Rounds alternate; the ratio is the median of the paired rounds' ratios.
 * Both are measured against a floor too: the relay (peerChild.ts), a bare DTE server joined
 * to one mqtt.js client, answering the same lines with the same bytes: on the external
 * broker the emulator is routed to, or, for the embedded broker, with an aedes of its own
 * over an in-memory pipe, as the modem's. It crosses what the emulator crosses (the DTE's
 * socket, the broker's), which the plain mqtt.js peer does not, so our ratio to it is what
 * our own code costs on those paths.
 */
import { DteClient } from '../client/dteClient';
import { runScriptedDte } from '../fleet/driver';
import { alternate, latency, ratio, repeat, RoundTripper, type Latency } from './common';
import { windowed } from './peerChild';
import { startEmulatorProcess, startPeer, type EmulatorProcess, type Rpc } from './procs';

export interface MqttLoopResult {
  /** `embedded`, or the external broker's URL. */
  broker: string;
  emulator: Latency;
  peer: Latency;
  ratio: { p50: number; p99: number };
  /** Against the floor: the relay peer (startRelay), a bare DTE server joined to mqtt.js (and to its own aedes for the embedded case). */
  relay: { peer: Latency; ratio: { p50: number; p99: number } };
}

export interface ThroughputResult {
  qos: 0 | 1;
  messages: number;
  /** Publishes each side kept in flight. */
  window: number;
  /** Messages per second, the median of the rounds. */
  emulator: number;
  peer: number;
  /** The median of the rounds' ratios (each emulator round over the peer round after it). */
  ratio: number;
  pairs: number[];
  /** The relay peer driven by the same DTE loop (messages/s, median), and our rounds over its. */
  relay: { rate: number; ratio: number };
}

/**
 * Publishes each side keeps in flight (`npm run bench -- --window N` for another depth). 64:
 * a throughput is read where the rates stop rising with the depth (the modem's QoS 0 rate:
 * 23.6–37 k msg/s at 8, 35–53 k at 32, 43–60 k at 64, 50 k at 128; the plain publisher's
 * is flat, its QoS 0 callback firing on the write). At 8, what the emulator pays once per
 * chunk of lines (the read, the answers' write, the event-loop turn) was spread over 8
 * messages: 23–27 µs of its CPU a message, against 17–20 µs at 64 (bench/README.md).
 */
export const WINDOW = 64;
/** The depth the figures before 2026-12-01 were taken at, still measured beside it. */
export const SHALLOW_WINDOW = 8;
const PAYLOAD = '0123456789abcdef';

export interface ModemRig {
  emu: EmulatorProcess;
  /** The DTE, a minimal client once the modem is online (the scripted DTE set it up). */
  dte: RoundTripper;
  /** Where the peers connect: the embedded broker, or `broker`. */
  brokerUrl: string;
  close(): Promise<void>;
}

/**
 * An emulator process whose modem is online (subscribed to `subscribe`), its DTE over TCP;
 * with `broker`, the emulator routes MQTT there (`--broker URL`).
 */
export async function modemRig(subscribe: string, broker?: string, extraArgs: string[] = [], probe = false): Promise<ModemRig> {
  const emu = await startEmulatorProcess(['--tcp', '127.0.0.1:0', '--broker-port', '0', '--log-level', 'warn', ...(broker ? ['--broker', broker] : []), ...extraArgs], { probe });
  try {
    const brokerUrl = broker ?? emu.broker!;
    const setup = await DteClient.connectTcp(emu.tcp!.port);
    // The same steps as the fleet's scripted DTE: sync, bearer, SMCONF, SMCONN, SMSUB.
    const r = await runScriptedDte(setup, 0, { url: brokerUrl.replace(/^mqtt:\/\//, ''), subscribe, count: 0, stagger: false });
    if (!r.connected || r.errors.length) throw new Error(`modem setup failed: ${r.errors.join('; ')}`);
    const dte = RoundTripper.takeOver(setup.stream);
    return {
      emu,
      dte,
      brokerUrl,
      async close() {
        dte.close();
        await emu.stop();
      },
    };
  } catch (err) {
    await emu.stop();
    throw err;
  }
}

/** The loop's DTE side: the command, and the delivery's last bytes that end the trip (OK and `+SMPUB: <id>,0` come first). */
export const LOOP_COMMAND = 'AT+SMPUB="bench/loop/modem",0,0,"ping"\r';
export const LOOP_END = '"bench/loop/modem",4,"ping"\r\n';

export async function benchMqttLoop(iterations: number, broker?: string): Promise<MqttLoopResult> {
  const r = await modemRig('bench/loop/modem', broker);
  const peer = await startPeer('mqtt-peer', { url: r.brokerUrl, id: 'bench-peer' }).catch(async (err) => {
    await r.close();
    throw err;
  });
  let relay: Awaited<ReturnType<typeof startRelay>> | null = null;
  try {
    const ours = (n: number) => repeat(n, () => r.dte.trip(LOOP_COMMAND, LOOP_END));
    const theirs = async (n: number) => (await peer.rpc.ask<{ samples: number[] }>({ op: 'loop', n })).samples;
    const s = await alternate(iterations, 100, Math.min(200, iterations), ours, theirs);
    const e = latency(s.a);
    const p = latency(s.b);
    // Against the floor, in a second alternation of the same length. The relay starts only
    // now: on a shared broker it subscribes to the modem's topic, and while subscribed it
    // is a second receiver of every publish of the modem's loop, which the plain mqtt.js
    // loop above does not have.
    const floor = await startRelay(broker, 'bench/loop/modem');
    relay = floor;
    const f = await alternate(iterations, 100, Math.min(200, iterations), ours, (n) => repeat(n, () => floor.dte.trip(LOOP_COMMAND, LOOP_END)));
    const fe = latency(f.a);
    const fp = latency(f.b);
    return {
      broker: broker ?? 'embedded',
      emulator: e,
      peer: p,
      ratio: { p50: ratio(e.p50, p.p50), p99: ratio(e.p99, p.p99) },
      relay: { peer: fp, ratio: { p50: ratio(fe.p50, fp.p50), p99: ratio(fe.p99, fp.p99) } },
    };
  } finally {
    await relay?.close();
    await peer.rpc.stop();
    await r.close();
  }
}

/**
 * The relay peer and a DTE connected to it, subscribed to `subscribe`: on `broker` when the
 * emulator is routed to one (both cross the same sockets to it), else with an aedes of its
 * own reached over an in-memory pipe, as the emulator's modem reaches its embedded broker.
 * `brokerUrl`: where subscribers reach the relay's broker.
 */
async function startRelay(broker: string | undefined, subscribe: string): Promise<{ dte: RoundTripper; brokerUrl: string; close(): Promise<void> }> {
  const { rpc, ready } = await startPeer<{ port: number; broker: string }>('mqtt-relay', { ...(broker ? { url: broker } : { embedded: true }), id: 'bench-relay', subscribe });
  const dte = await RoundTripper.connect(ready.port).catch(async (err) => {
    await rpc.stop();
    throw err;
  });
  return {
    dte,
    brokerUrl: ready.broker,
    async close() {
      dte.close();
      await rpc.stop();
    },
  };
}

const hr = () => Number(process.hrtime.bigint());

/** One throughput round's rate: `n` messages over the time from `t0` until the receiver had the n-th (ns, one clock for every process). */
const rate = (n: number, t0: number, t: number) => n / ((t - t0) / 1e9);

export async function benchThroughput(qos: 0 | 1, messages: number, rounds: number, broker?: string, window = WINDOW): Promise<ThroughputResult> {
  const r = await modemRig('bench/none', broker);
  const started: Rpc[] = [];
  let relay: Awaited<ReturnType<typeof startRelay>> | null = null;
  try {
    const rx = await startPeer('receiver', { url: r.brokerUrl, filter: 'bench/tput/#' });
    started.push(rx.rpc);
    const peer = await startPeer('mqtt-peer', { url: r.brokerUrl, id: 'bench-publisher' });
    started.push(peer.rpc);
    relay = await startRelay(broker, 'bench/none');
    // The relay's own broker needs a receiver of its own; on a shared broker the one serves both.
    const relayRx = relay.brokerUrl === r.brokerUrl ? rx : await startPeer('receiver', { url: relay.brokerUrl, filter: 'bench/tput/#' });
    if (relayRx !== rx) started.push(relayRx.rpc);
    // The same DTE loop for the modem and for the relay: each `+SMPUB: <id>,0` ack frees a
    // place in the window for the next line.
    const driven = (dte: RoundTripper, rx: { rpc: Rpc }) => {
      let acked: (() => void)[] = [];
      dte.countEach('+SMPUB: ', () => acked.shift()?.());
      const line = `AT+SMPUB="bench/tput/modem",${qos},0,"${PAYLOAD}"\r`;
      return async () => {
        await rx.rpc.ask({ op: 'arm', n: messages });
        const t0 = hr();
        await windowed(messages, window, () => {
          const done = new Promise<void>((resolve) => acked.push(resolve));
          dte.write(line);
          return done;
        });
        acked = [];
        const { t } = await rx.rpc.ask<{ t: number }>({ op: 'wait' });
        return rate(messages, t0, t);
      };
    };
    const ours = driven(r.dte, rx);
    const relayed = driven(relay.dte, relayRx);
    const theirs = async () => {
      await rx.rpc.ask({ op: 'arm', n: messages });
      const sent = peer.rpc.ask<{ t0: number }>({ op: 'publish', n: messages, qos, window, topic: 'bench/tput/peer', payload: PAYLOAD });
      const { t } = await rx.rpc.ask<{ t: number }>({ op: 'wait' });
      return rate(messages, (await sent).t0, t);
    };
    // A round of each to warm up, then `rounds` of each in turn.
    await ours();
    await theirs();
    await relayed();
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < rounds; i++) {
      a.push(await ours());
      b.push(await theirs());
      c.push(await relayed());
    }
    const median = (xs: number[]) => latency(xs).p50;
    // Each emulator round is paired with the peer round right after it; the ratio is the
    // median of those pairs', so a stretch when the host runs slow hits both sides of a pair.
    const pairs = a.map((x, i) => ratio(x, b[i]));
    const relayPairs = a.map((x, i) => ratio(x, c[i]));
    return { qos, messages, window, emulator: median(a), peer: median(b), ratio: median(pairs), pairs, relay: { rate: median(c), ratio: median(relayPairs) } };
  } finally {
    await relay?.close();
    for (const p of started) await p.stop();
    await r.close();
  }
}
