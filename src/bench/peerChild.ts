/**
 * The benchmarks' peers, each in a process of its own (forked by procs.ts), as a user's
 * real client or a minimal server would be: nothing else runs on their event loop.
 *
 *   node dist/bench/peerChild.js KIND 'JSON ARGS'
 *
 * - tcp-responder: a bare `net` server answering every CR with `AT\r\r\nOK\r\n`;
 * - pty-responder: the same over a pty it creates (the native helper, as the emulator does),
 *   one write per answer;
 * - echo: a TCP echo server;
 * - mqtt-peer: one plain mqtt.js client: `loop` (publish to its own subscription, time until
 *   the message), `publish` (keep a window of publishes in flight, the next on each
 *   callback);
 * - receiver: a plain mqtt.js subscriber that says when the n-th message arrived;
 * - mqtt-relay: the floor for the AT-to-MQTT paths: a bare `net` server for the DTE joined
 *   to one plain mqtt.js client, doing what the emulator's modem does on those paths and
 *   nothing else: each `AT+SMPUB="topic",qos,retain,"payload"` line is published and
 *   answered with the module's bytes (`OK`, then `+SMPUB: <id>,0` at once for QoS 0 or on
 *   the PUBACK for QoS 1), each message on its subscription written as `+SMPUBLISH`. It
 *   crosses the same sockets as the emulator, so what separates the two is our code. With
 *   `embedded`, it runs its own aedes and reaches it over an in-memory pipe, as the
 *   emulator's modem reaches the embedded broker: the floor for what a process holding the
 *   DTE, the client and the broker allocates per loop.
 *
 * Requests come over IPC, one answer each, in order. Times that cross processes are
 * `process.hrtime` (CLOCK_MONOTONIC, the same clock in every process), in ns.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tty from 'node:tty';
import { connectAsync, MqttClient } from 'mqtt';
import { duplexPair } from '../broker/inMemory';
import { ADDON } from '../transport/pty';

export const AT_ANSWER = 'AT\r\r\nOK\r\n';

type Request = { op: string; [k: string]: unknown };
type Handler = (req: Request) => unknown;

const now = () => Number(process.hrtime.bigint());

/** Says it is ready (`ready`, its first message), then answers requests. */
function serve(ready: object, handlers: Record<string, Handler>, stop: () => Promise<void> | void): void {
  process.send!(ready);
  process.on('message', async (req: Request) => {
    try {
      if (req.op === 'alloc-start' || req.op === 'alloc-stop') return; // the preloaded allocation probe answers
      if (req.op === 'stop') {
        await stop();
        process.exit(0);
      }
      const h = handlers[req.op];
      if (!h) throw new Error(`peer: no operation "${req.op}"`);
      process.send!((await h(req)) ?? { ok: true });
    } catch (err) {
      process.send!({ error: (err as Error).message });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

async function tcpResponder(): Promise<void> {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      for (let i = d.indexOf(13); i >= 0; i = d.indexOf(13, i + 1)) socket.write(AT_ANSWER, 'latin1');
    });
    socket.on('error', () => undefined);
  });
  const port = await listen(server);
  serve({ port }, {}, () => undefined);
}

async function echo(): Promise<void> {
  const server = net.createServer((s) => {
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
    s.on('error', () => undefined);
  });
  const port = await listen(server);
  serve({ port }, {}, () => undefined);
}

function ptyResponder(): void {
  const native = require(ADDON) as { open(ptmx: string): { master: number; slave: number; path: string } };
  const pty = native.open('/dev/ptmx');
  const answer = Buffer.from(AT_ANSWER, 'latin1');
  const reader = new tty.ReadStream(pty.master);
  reader.on('data', (d: Buffer) => {
    for (let i = d.indexOf(13); i >= 0; i = d.indexOf(13, i + 1)) fs.writeSync(pty.master, answer);
  });
  serve({ device: pty.path }, {}, () => undefined);
}

async function mqttPeer(args: { url: string; id: string }): Promise<void> {
  const client = await connectAsync(args.url, { protocolVersion: 4, reconnectPeriod: 0, clientId: args.id });
  const loopTopic = `bench/loop/${args.id}`;
  await client.subscribeAsync(loopTopic, { qos: 1 });
  let delivered: (() => void) | null = null;
  client.on('message', () => delivered?.());
  const trip = () =>
    new Promise<number>((resolve) => {
      const t0 = performance.now();
      delivered = () => resolve(performance.now() - t0);
      client.publish(loopTopic, 'ping', { qos: 0 });
    });
  serve(
    { ok: true },
    {
      async loop(req) {
        const samples: number[] = [];
        for (let i = 0; i < (req.n as number); i++) samples.push(await trip());
        return { samples };
      },
      async publish(req) {
        const t0 = now();
        await windowed(req.n as number, req.window as number, () => new Promise<void>((resolve) => client.publish(req.topic as string, req.payload as string, { qos: req.qos as 0 | 1 }, () => resolve())));
        return { t0 };
      },
    },
    () => client.endAsync(true),
  );
}

/** `AT+SMPUB="topic",qos,retain,"payload"`, the inline form the benchmarks send (ATE0). */
const SMPUB_LINE = /^AT\+SMPUB="([^"]*)",([01]),([01]),"([^"]*)"$/;

/**
 * A plain mqtt.js client on an aedes of this process, over an in-memory pipe, and the URL of
 * a TCP listener on the same aedes (for subscribers in other processes); closing the
 * client closes both.
 */
async function ownBroker(clientId: string): Promise<{ client: MqttClient; url: string }> {
  const { createBroker } = require('aedes') as typeof import('aedes');
  const broker = createBroker();
  const listener = net.createServer((socket) => broker.handle(socket));
  const port = await listen(listener);
  const client = new MqttClient(
    () => {
      const [near, far] = duplexPair();
      broker.handle(far);
      return near;
    },
    { protocolVersion: 4, reconnectPeriod: 0, clientId },
  );
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.once('end', () => {
    listener.close();
    broker.close();
  });
  return { client, url: `mqtt://127.0.0.1:${port}` };
}

async function mqttRelay(args: { url?: string; embedded?: boolean; id: string; subscribe: string }): Promise<void> {
  const own = args.embedded ? await ownBroker(args.id) : null;
  const client = own ? own.client : await connectAsync(args.url!, { protocolVersion: 4, reconnectPeriod: 0, clientId: args.id });
  await client.subscribeAsync(args.subscribe, { qos: 1 });
  let dte: net.Socket | null = null;
  let out = '';
  let inChunk = false;
  // What is answered while a chunk is taken in leaves in one write once it is; the rest at once.
  const send = (text: string) => {
    if (inChunk) out += text;
    else dte?.write(text, 'latin1');
  };
  let nextId = 0;
  client.on('message', (topic: string, payload: Buffer, packet: { messageId?: number }) => {
    send(`\r\n+SMPUBLISH: ${packet.messageId ?? 0},"${topic}",${payload.length},"${payload.toString('latin1')}"\r\n`);
  });
  const server = net.createServer((socket) => {
    dte = socket;
    socket.setNoDelay(true);
    let partial = '';
    socket.on('data', (d: Buffer) => {
      const lines = (partial + d.toString('latin1')).split('\r');
      partial = lines.pop()!;
      inChunk = true;
      for (const line of lines) {
        const m = SMPUB_LINE.exec(line.trim());
        if (!m) {
          out += '\r\nERROR\r\n';
          continue;
        }
        const id = (nextId = (nextId % 65535) + 1);
        const qos = Number(m[2]) as 0 | 1;
        if (qos === 0) {
          client.publish(m[1], m[4], { qos, retain: m[3] === '1' });
          out += `\r\nOK\r\n\r\n+SMPUB: ${id},0\r\n`;
        } else {
          out += '\r\nOK\r\n';
          client.publish(m[1], m[4], { qos, retain: m[3] === '1' }, () => send(`\r\n+SMPUB: ${id},0\r\n`));
        }
      }
      inChunk = false;
      if (out) socket.write(out, 'latin1');
      out = '';
    });
    socket.on('error', () => undefined);
  });
  const port = await listen(server);
  serve({ port, broker: own?.url ?? args.url }, {}, () => client.endAsync(true));
}

/** Keeps `window` calls of `send` outstanding until `n` were made; `send` resolves when one completes. */
export async function windowed(n: number, window: number, send: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < n) await send(next++);
  };
  await Promise.all(Array.from({ length: Math.min(window, n) }, lane));
}

async function receiver(args: { url: string; filter: string }): Promise<void> {
  const client: MqttClient = await connectAsync(args.url, { protocolVersion: 4, reconnectPeriod: 0, clientId: 'bench-receiver' });
  await client.subscribeAsync(args.filter, { qos: 1 });
  let got = 0;
  let want = Infinity;
  let at = 0;
  let done: ((t: number) => void) | null = null;
  client.on('message', () => {
    if (++got === want) {
      at = now();
      done?.(at);
    }
  });
  serve(
    { ok: true },
    {
      arm(req) {
        got = 0;
        at = 0;
        want = req.n as number;
        return { ok: true };
      },
      wait() {
        if (at) return { t: at };
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`receiver: ${got} of ${want} messages after 60 s`)), 60_000);
          done = (t) => {
            clearTimeout(timer);
            done = null;
            resolve({ t });
          };
        });
      },
    },
    () => client.endAsync(true),
  );
}

if (require.main === module) {
  const kind = process.argv[2];
  const args = JSON.parse(process.argv[3] ?? '{}');
  const start: Record<string, () => unknown> = {
    'tcp-responder': tcpResponder,
    'pty-responder': ptyResponder,
    echo,
    'mqtt-peer': () => mqttPeer(args),
    receiver: () => receiver(args),
    'mqtt-relay': () => mqttRelay(args),
  };
  Promise.resolve()
    .then(() => {
      if (!start[kind]) throw new Error(`no peer "${kind}"`);
      return start[kind]();
    })
    .catch((err: Error) => {
      process.stderr.write(`peerChild ${kind}: ${err.stack ?? err.message}\n`);
      process.exit(1);
    });
}
