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
 */
import { parseHostPort, type Address } from '../address';

/** `host[:port]=host2[:port2]`: a rule without a port matches any port; a target without one keeps it. */
export interface MapRule {
  host: string;
  port?: number;
  to: { host: string; port?: number };
}

/** `embedded` and `override` send every URL to one broker; `direct` dials the URL as it is. */
export type BrokerMode = 'embedded' | 'direct' | 'override';

export const DEFAULT_MQTT_PORT = 1883;

export class BrokerRouter {
  constructor(
    readonly mode: BrokerMode,
    readonly rules: readonly MapRule[] = [],
    private target?: Address,
    private tlsTarget?: Address,
  ) {}

  /** The embedded broker's address, known once it listens (its port may be 0 = any). */
  setTarget(target: Address): void {
    this.target = { ...target };
  }

  /** The embedded broker's TLS listener, when it has one. */
  setTlsTarget(target: Address): void {
    this.tlsTarget = { ...target };
  }

  /** The address to dial for the configured destination (`tls`: the session is AT+SMSSL=1). */
  route(dest: Address, tls = false): Address {
    const host = dest.host.toLowerCase();
    const rule = this.rules.find((r) => r.host === host && (r.port === undefined || r.port === dest.port));
    if (rule) return { host: rule.to.host, port: rule.to.port ?? dest.port };
    if (this.mode === 'direct') return { ...dest };
    const target = (tls && this.tlsTarget) || this.target;
    if (!target) throw new Error(`broker routing: no ${this.mode} broker address yet`);
    return { ...target };
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
  static parseUrl(text: string): Address {
    const m = /^mqtt:\/\/([^/]+?)\/?$/i.exec(text.trim());
    const hp = m ? parseHostPort(m[1]) : null;
    if (!hp) throw new Error(`invalid broker "${text}": expected embedded, direct or mqtt://host:port`);
    return { host: hp.host, port: hp.port ?? DEFAULT_MQTT_PORT };
  }
}
