/**
 * Ports for tests, always bound to 0 and read back: never "find a free port, close it,
 * hand out its number", which another process can take in between.
 */
import * as net from 'node:net';

/**
 * An address where nothing listens, for as long as the test holds it: port P is held
 * on 127.0.0.1 (a listening socket bound to port 0), and the address handed out is
 * 127.0.0.2:P. Linux routes all of 127/8 to loopback; while P is held on 127.0.0.1 nobody
 * can listen on 0.0.0.0:P, so a connection there is refused (ECONNREFUSED).
 */
export async function refusingAddress(): Promise<{ host: string; port: number; close(): Promise<void> }> {
  const holder = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    holder.once('error', reject);
    holder.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = holder.address() as net.AddressInfo;
  return { host: '127.0.0.2', port, close: () => new Promise<void>((r) => holder.close(() => r())) };
}

/**
 * A TCP forwarder listening on port 0 whose destination is set later: for a listener
 * whose port must be named before the thing it leads to has bound its own port 0 (a
 * `--map` rule naming the emulator's TLS listener). Connections before `to()` are closed.
 */
export async function forwarder(): Promise<{ port: number; to(port: number, host?: string): void; close(): Promise<void> }> {
  let target: { port: number; host: string } | null = null;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    sockets.add(inbound);
    inbound.once('close', () => sockets.delete(inbound));
    if (!target) return inbound.destroy();
    const outbound = net.connect(target.port, target.host);
    sockets.add(outbound);
    outbound.once('close', () => sockets.delete(outbound));
    inbound.pipe(outbound).pipe(inbound);
    inbound.once('error', () => outbound.destroy());
    outbound.once('error', () => inbound.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    to: (port, host = '127.0.0.1') => void (target = { port, host }),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
