/**
 * Broker routing: which address the emulator actually dials for the URL the firmware
 * configured with AT+SMCONF="URL". Firmware built for a production host runs unchanged
 * because the emulator, not the firmware, decides where the connection goes.
 *
 * Order: the first matching --map rule wins (like curl --resolve); otherwise the mode
 * decides: `embedded` and an override URL send every URL to one broker, `direct` dials
 * the configured URL as it is. In embedded mode a TLS session (AT+SMSSL=1) goes to the
 * broker's TLS listener and a plain one to its plain listener, whatever port the URL
 * names: production TLS ports vary (8883, 8884, 443 ...).
 *
 * A TCP/IP socket (AT+CIPSTART) is not always MQTT: after the --map rules, only a TCP
 * destination on one of the MQTT ports (1883, 8883 unless configured) goes to the broker,
 * everything else as it is (routeSocket; docs/tcpip.md §5).
 */

export interface BrokerAddress {
  host: string;
  port: number;
}

/** `host[:port]=host2[:port2]`: a rule without a port matches any port; a target without one keeps it. */
export interface MapRule {
  host: string;
  port?: number;
  to: { host: string; port?: number };
}

/** `embedded` and `override` send every URL to one broker; `direct` dials the URL as it is. */
export type BrokerMode = 'embedded' | 'direct' | 'override';

export const DEFAULT_MQTT_PORT = 1883;

/** The ports on which a TCP/IP socket is taken for MQTT and sent to the broker. */
export const DEFAULT_CIP_MQTT_PORTS: readonly number[] = [1883, 8883];

/** Where a TCP/IP socket goes, and whether that is the broker (faults for brokers apply). */
export interface SocketRoute extends BrokerAddress {
  broker: boolean;
}

export class BrokerRouter {
  constructor(
    readonly mode: BrokerMode,
    readonly rules: readonly MapRule[] = [],
    private target?: BrokerAddress,
    private tlsTarget?: BrokerAddress,
    readonly cipMqttPorts: readonly number[] = DEFAULT_CIP_MQTT_PORTS,
  ) {}

  /** The embedded broker's address, known once it listens (its port may be 0 = any). */
  setTarget(target: BrokerAddress): void {
    this.target = { ...target };
  }

  /** The embedded broker's TLS listener, when it has one. */
  setTlsTarget(target: BrokerAddress): void {
    this.tlsTarget = { ...target };
  }

  /** The address to dial for the configured destination (`tls`: the session is AT+SMSSL=1). */
  route(dest: BrokerAddress, tls = false): BrokerAddress {
    const host = dest.host.toLowerCase();
    const rule = this.rules.find((r) => r.host === host && (r.port === undefined || r.port === dest.port));
    if (rule) return { host: rule.to.host, port: rule.to.port ?? dest.port };
    if (this.mode === 'direct') return { ...dest };
    const target = (tls && this.tlsTarget) || this.target;
    if (!target) throw new Error(`broker routing: no ${this.mode} broker address yet`);
    return { ...target };
  }

  /**
   * The address a TCP/IP socket dials for `dest` (AT+CIPSTART): a --map rule first; then,
   * unless direct, a TCP destination on an MQTT port to the broker (its TLS listener when
   * `tls`); everything else, and every UDP destination, as given.
   */
  routeSocket(dest: BrokerAddress, opts: { tls: boolean; udp: boolean }): SocketRoute {
    const host = dest.host.toLowerCase();
    const rule = this.rules.find((r) => r.host === host && (r.port === undefined || r.port === dest.port));
    if (rule) return { host: rule.to.host, port: rule.to.port ?? dest.port, broker: false };
    if (this.mode === 'direct' || opts.udp || !this.cipMqttPorts.includes(dest.port)) return { ...dest, broker: false };
    return { ...this.route(dest, opts.tls), broker: true };
  }

  /** Parses `--cip-mqtt-ports 1883,8883` (empty: none); throws a one-line Error. */
  static parsePorts(text: string): number[] {
    if (text.trim() === '') return [];
    return text.split(',').map((p) => {
      const t = p.trim();
      const n = Number(t);
      if (!/^\d{1,5}$/.test(t) || n < 1 || n > 65535) throw new Error(`invalid MQTT port "${t}" in "${text}": expected a list of 1..65535`);
      return n;
    });
  }

  /** Parses one `--map` rule; throws a one-line Error naming the bad rule. */
  static parseRule(text: string): MapRule {
    const bad = (why: string) => new Error(`invalid map rule "${text}": ${why} (expected host[:port]=host:port)`);
    const eq = text.indexOf('=');
    if (eq < 0) throw bad('no "="');
    const from = parseHostPort(text.slice(0, eq).trim());
    const to = parseHostPort(text.slice(eq + 1).trim());
    if (!from) throw bad('bad source');
    if (!to) throw bad('bad target');
    return { host: from.host.toLowerCase(), port: from.port, to };
  }

  /** Parses `mqtt://host[:port]` (an override broker); throws a one-line Error. */
  static parseUrl(text: string): BrokerAddress {
    const m = /^mqtt:\/\/([^/]+?)\/?$/i.exec(text.trim());
    const hp = m ? parseHostPort(m[1]) : null;
    if (!hp) throw new Error(`invalid broker "${text}": expected embedded, direct or mqtt://host:port`);
    return { host: hp.host, port: hp.port ?? DEFAULT_MQTT_PORT };
  }
}

/** `mqtt://host:port` (`mqtts://` for TLS), with brackets for an IPv6 literal. */
export function brokerUrl(a: BrokerAddress, scheme: 'mqtt' | 'mqtts' = 'mqtt'): string {
  return `${scheme}://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/**
 * `host`, `host:port`, `[v6]:port`. Returns null when malformed or the port is not 1..65535.
 * Shared with AT+SMCONF="URL" so the device's URL and the rules read the same way.
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
