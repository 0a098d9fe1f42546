/**
 * Network addresses as the emulator passes them around: a host (name or literal) and a
 * port. Shared by the routing, the brokers, the fault proxy and the commands.
 */

export interface Address {
  host: string;
  port: number;
}

/** `scheme://host:port` (`mqtt://`, `mqtts://`), with brackets for an IPv6 literal. */
export function urlOf(a: Address, scheme: string): string {
  return `${scheme}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/**
 * `host`, `host:port`, `[v6]:port`. Returns null when malformed or the port is not 1..65535.
 * Shared by the commands that take a destination (AT+SMCONF="URL", …) and the routing
 * rules, so the device's address and the rules read the same way.
 */
export function parseHostPort(text: string): { host: string; port?: number } | null {
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(text);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) return null; // bare IPv6 without brackets
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
  }
  if (!/^[A-Za-z0-9._:-]+$/.test(host)) return null;
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? { host, port } : null;
}
