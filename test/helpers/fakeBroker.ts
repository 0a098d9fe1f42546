/**
 * A scripted MQTT "broker" for the failure paths a real broker will not produce on
 * demand: one that accepts and never answers, one that answers CONNACK and then stays
 * silent, one that refuses every subscription (SUBACK 0x80).
 */
import * as net from 'node:net';
import { PacketSplitter, PACKET_TYPES as TYPES } from '../../src/faults/mqttPackets';

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


export async function startFakeBroker(mode: FakeMode): Promise<FakeBroker> {
  const sockets = new Set<net.Socket>();
  const received: string[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const splitter = new PacketSplitter();
    socket.on('data', (chunk) => {
      for (const p of splitter.push(chunk)) {
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
