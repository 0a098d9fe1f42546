/**
 * A scripted MQTT "broker" for the failure paths a real broker will not produce on
 * demand: one that accepts and never answers, one that answers CONNACK and then stays
 * silent, one that refuses every subscription (SUBACK 0x80).
 */
import * as net from 'node:net';

export type FakeMode = 'silent' | 'connackOnly' | 'refuseSubscribe';

export interface FakeBroker {
  port: number;
  url: string;
  /** Packet types received, in order (`CONNECT`, `SUBSCRIBE`, `PUBLISH`, ...). */
  received: string[];
  /** Drops every client connection (the broker "goes away"). */
  dropClients(): void;
  stop(): Promise<void>;
}

const TYPES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT'];

/** Splits a byte stream into MQTT packets (fixed header + remaining length). */
function* packets(buf: { data: Buffer }): Generator<Buffer> {
  for (;;) {
    const d = buf.data;
    let len = 0;
    let mul = 1;
    let i = 1;
    for (; i < d.length && i < 5; i++) {
      len += (d[i] & 0x7f) * mul;
      mul *= 128;
      if ((d[i] & 0x80) === 0) break;
    }
    if (i >= d.length || d.length < i + 1 + len) return;
    yield d.subarray(0, i + 1 + len);
    buf.data = d.subarray(i + 1 + len);
  }
}

export async function startFakeBroker(mode: FakeMode): Promise<FakeBroker> {
  const sockets = new Set<net.Socket>();
  const received: string[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const buf = { data: Buffer.alloc(0) };
    socket.on('data', (chunk) => {
      buf.data = Buffer.concat([buf.data, chunk]);
      for (const p of packets(buf)) {
        const type = TYPES[p[0] >> 4];
        received.push(type);
        if (mode === 'silent') continue;
        if (type === 'CONNECT') socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        if (type === 'SUBSCRIBE' && mode === 'refuseSubscribe') {
          const at = p[1] & 0x80 ? 3 : 2; // packet id right after a 1- or 2-byte length
          socket.write(Buffer.from([0x90, 0x03, p[at], p[at + 1], 0x80]));
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    received,
    dropClients: () => {
      for (const s of sockets) s.destroy();
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
