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
 * HTTP requests (AT+HTTPACTION) take the same rules, then go direct: the mode is about
 * brokers. A rule whose target names a scheme (`host:443=http://127.0.0.1:8080`) is for
 * HTTP only and decides plain or TLS towards the target, whatever the module speaks.
 */
import { parseHostPort, type Address } from '../address';

/** `host[:port]=host2[:port2]`: a rule without a port matches any port; a target without one keeps it. */
export interface MapRule {
  host: string;
  port?: number;
  /** `scheme`: an HTTP-only rule that speaks plain (`http`) or TLS (`https`) to the target. */
  to: { host: string; port?: number; scheme?: HttpScheme };
}

export type HttpScheme = 'http' | 'https';

/** Where an HTTP request goes: an address, and whether to speak TLS to it. */
export interface HttpTarget extends Address {
  tls: boolean;
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
    const rule = this.match(dest, false);
    if (rule) return { host: rule.to.host, port: rule.to.port ?? dest.port };
    if (this.mode === 'direct') return { ...dest };
    const target = (tls && this.tlsTarget) || this.target;
    if (!target) throw new Error(`broker routing: no ${this.mode} broker address yet`);
    return { ...target };
  }

  /**
   * Where an HTTP request for `dest` goes (`tls`: the module speaks TLS): the first
   * matching rule, else the address as it is. A rule's scheme decides TLS towards its
   * target and, without a port, the port (80 or 443).
   */
  routeHttp(dest: Address, tls: boolean): HttpTarget {
    const rule = this.match(dest, true);
    if (!rule) return { ...dest, tls };
    const { scheme } = rule.to;
    if (!scheme) return { host: rule.to.host, port: rule.to.port ?? dest.port, tls };
    return { host: rule.to.host, port: rule.to.port ?? (scheme === 'https' ? 443 : 80), tls: scheme === 'https' };
  }

  /** The first rule for this host (any case) and port; HTTP-only rules only for HTTP. */
  private match(dest: Address, http: boolean): MapRule | undefined {
    const host = dest.host.toLowerCase();
    return this.rules.find((r) => (http || !r.to.scheme) && r.host === host && (r.port === undefined || r.port === dest.port));
  }

  /** Parses one `--map` rule; throws a one-line Error naming the bad rule. */
  static parseRule(text: string): MapRule {
    const bad = (why: string) => new Error(`invalid map rule "${text}": ${why} (expected host[:port]=host:port)`);
    const eq = text.indexOf('=');
    if (eq < 0) throw bad('no "="');
    const from = parseHostPort(text.slice(0, eq).trim());
    let target = text.slice(eq + 1).trim();
    let scheme: HttpScheme | undefined;
    const sm = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target);
    if (sm) {
      const name = sm[1].toLowerCase();
      if (name !== 'http' && name !== 'https') throw new Error(`invalid map rule "${text}": unknown scheme "${name}" (http:// or https://, for HTTP only)`);
      scheme = name;
      target = target.slice(sm[0].length).replace(/\/$/, '');
    }
    const to = parseHostPort(target);
    if (!from) throw bad('bad source');
    if (!to) throw bad('bad target');
    return { host: from.host.toLowerCase(), port: from.port, to: scheme ? { ...to, scheme } : to };
  }

  /** Parses `mqtt://host[:port]` (an override broker); throws a one-line Error. */
  static parseUrl(text: string): Address {
    const m = /^mqtt:\/\/([^/]+?)\/?$/i.exec(text.trim());
    const hp = m ? parseHostPort(m[1]) : null;
    if (!hp) throw new Error(`invalid broker "${text}": expected embedded, direct or mqtt://host:port`);
    return { host: hp.host, port: hp.port ?? DEFAULT_MQTT_PORT };
  }
}
