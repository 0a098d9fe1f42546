/**
 * Turns the emulator's broker options (--broker, --broker-port, --broker-tls-port,
 * --broker-ca-cert/--broker-ca-key, --map) into a router and,
 * for the embedded mode, the broker itself. planBroker() checks every option before
 * anything listens, so a bad flag fails fast with a one-line message; start() then
 * starts what the plan needs.
 */
import * as path from 'node:path';
import type { Logger } from 'pino';
import { urlOf } from './address';
import { BrokerRouter } from './net/routing';
import { AzureHub, checkAzureHubOptions, type AzureHubOptions } from './broker/azureHub';
import { CertificateAuthority, type PemPair } from './broker/ca';
import { EmbeddedBroker } from './broker/embedded';

export interface BrokerOptions {
  /** 'embedded' (default), 'direct', or an override URL `mqtt://host:port`. */
  broker?: string;
  /** Port of the embedded broker; 0 = any free port. Default 1883. */
  brokerPort?: number;
  /** Rewrites `host[:port]=host2:port2`, applied before the mode. */
  map?: readonly string[];
  /** Run the embedded broker as an Azure IoT Hub stand-in with these devices. */
  azureHub?: AzureHubOptions;
  /**
   * Port of the embedded broker's TLS listener; 0 = any free port, false = no TLS
   * listener. Default 8883, or 0 when brokerPort is 0 (tests run side by side).
   */
  brokerTlsPort?: number | false;
  /** The TLS listener's CA (PEM); default: one generated on first use. */
  brokerCa?: PemPair;
  /** A generated CA is kept in `<stateDir>/broker-ca/`, so a root firmware stored stays valid. */
  stateDir?: string;
}

export interface RunningBroker {
  /** Where every connection goes (embedded: the bound port; override: its URL); undefined for direct. */
  url?: string;
  /** The hub stand-in, when asked for. */
  azureHub?: AzureHub;
  /** The embedded broker's TLS listener, `mqtts://host:port`. */
  tlsUrl?: string;
  /** The CA behind the TLS listener (made or loaded on the first call). */
  ca?: () => CertificateAuthority;
  stop(): Promise<void>;
}

export interface BrokerPlan {
  router: BrokerRouter;
  start(log?: Logger): Promise<RunningBroker>;
}

export function planBroker(opts: BrokerOptions): BrokerPlan {
  const rules = (opts.map ?? []).map((r) => BrokerRouter.parseRule(r));
  const choice = opts.broker ?? 'embedded';
  const port = opts.brokerPort ?? 1883;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid broker port "${opts.brokerPort}": expected 0..65535`);
  const none = async () => undefined;
  const tlsPort = opts.brokerTlsPort ?? (port === 0 ? 0 : 8883);
  if (tlsPort !== false && (!Number.isInteger(tlsPort) || tlsPort < 0 || tlsPort > 65535)) {
    throw new Error(`invalid broker TLS port "${opts.brokerTlsPort}": expected 0..65535 or off`);
  }
  if (opts.brokerCa && choice !== 'embedded') throw new Error('a broker CA is for the embedded broker\'s TLS listener: it needs --broker embedded');
  // The user's CA is checked now (one line on a bad file); a generated one waits for its first use.
  const given = opts.brokerCa && CertificateAuthority.fromPem(opts.brokerCa);
  const stateDir = opts.stateDir;
  const ca = lazy(() => given ?? (stateDir ? CertificateAuthority.loadOrCreate(path.join(stateDir, 'broker-ca')) : CertificateAuthority.generate()));
  if (opts.azureHub) {
    if (choice !== 'embedded') throw new Error('the Azure IoT Hub stand-in runs in the embedded broker: --azure-hub needs --broker embedded');
    checkAzureHubOptions(opts.azureHub);
  }

  if (choice === 'direct') return { router: new BrokerRouter('direct', rules), start: async () => ({ stop: none }) };
  if (choice !== 'embedded') {
    const to = BrokerRouter.parseUrl(choice);
    return { router: new BrokerRouter('override', rules, to), start: async () => ({ url: urlOf(to, 'mqtt'), stop: none }) };
  }
  const router = new BrokerRouter('embedded', rules);
  return {
    router,
    async start(log) {
      const azureHub = opts.azureHub && new AzureHub(opts.azureHub, log);
      const tls = tlsPort === false ? undefined : { port: tlsPort, ca };
      // The real hub is TLS only: with a TLS listener there, the stand-in is too.
      if (azureHub) azureHub.tlsOnly = tls !== undefined;
      const broker = await EmbeddedBroker.start({ port, log, azureHub, tls });
      router.setTarget(broker.address);
      if (broker.tlsAddress) router.setTlsTarget(broker.tlsAddress);
      return { url: broker.url, tlsUrl: broker.tlsUrl, ca: tls && ca, azureHub, stop: () => broker.stop() };
    },
  };
}

/** Makes the value on the first call and keeps it. */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
