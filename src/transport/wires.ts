/**
 * The wire registry: every transport by name, built the same way (modem, options, log),
 * with its field in the ready line. startEmulator() opens the one its options name.
 */
import type { Logger } from 'pino';
import type { Modem } from '../modem/modem';
import { InProcessWire, type InProcessEndpoint, type InProcessWireOptions } from './inProcess';
import { PtyTransport, type PtyEndpoint, type PtyWireOptions } from './pty';
import { SerialTransport, type SerialEndpoint, type SerialWireOptions } from './serial';
import { StdioTransport, type StdioEndpoint, type StdioWireOptions } from './stdio';
import { formatHostPort, TcpTransport, type TcpEndpoint, type TcpWireOptions } from './tcp';
import type { Wire } from './wire';

export { formatHostPort };

/** Each wire's options, by name. */
export interface WireOptions {
  tcp: TcpWireOptions;
  stdio: StdioWireOptions;
  pty: PtyWireOptions;
  serial: SerialWireOptions;
  'in-process': InProcessWireOptions;
}

/** What each wire's open() resolves to, by name. */
export interface WireEndpoints {
  tcp: TcpEndpoint;
  stdio: StdioEndpoint;
  pty: PtyEndpoint;
  serial: SerialEndpoint;
  'in-process': InProcessEndpoint;
}

export type WireName = keyof WireOptions;

export interface WireKind<N extends WireName> {
  create(modem: Modem, options: WireOptions[N], log: Logger): Wire<WireEndpoints[N]>;
  /** The wire's field in the ready line (`tcp=127.0.0.1:2323`), or null for none. */
  readyField(endpoint: WireEndpoints[N]): string | null;
}

export const WIRES: { readonly [N in WireName]: WireKind<N> } = {
  tcp: { create: (m, o, l) => new TcpTransport(m, o, l), readyField: (e) => `tcp=${formatHostPort(e)}` },
  stdio: { create: (m, o, l) => new StdioTransport(m, o, l), readyField: () => 'stdio' },
  pty: { create: (m, o, l) => new PtyTransport(m, o, l), readyField: (e) => `pty=${e.link}` },
  serial: { create: (m, o, l) => new SerialTransport(m, o, l), readyField: (e) => `serial=${e.path}@${e.baudRate}` },
  'in-process': { create: (m, o, l) => new InProcessWire(m, o, l), readyField: () => null },
};

/** Builds the wire `name` for a modem. */
export function createWire<N extends WireName>(name: N, modem: Modem, options: WireOptions[N], log: Logger): Wire<WireEndpoints[N]> {
  return (WIRES[name] as WireKind<N>).create(modem, options, log);
}
