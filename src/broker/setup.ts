/**
 * Turns the emulator's broker options (--broker, --broker-port, --map) into a router and,
 * for the embedded mode, the broker itself. planBroker() checks every option before
 * anything listens, so a bad flag fails fast with a one-line message; start() then
 * starts what the plan needs.
 */
import type { Logger } from 'pino';
import { BrokerRouter, brokerUrl } from '../net/routing';
import { AzureHub, checkAzureHubOptions, type AzureHubOptions } from './azureHub';
import { EmbeddedBroker } from './embedded';

export interface BrokerOptions {
  /** 'embedded' (default), 'direct', or an override URL `mqtt://host:port`. */
  broker?: string;
  /** Port of the embedded broker; 0 = any free port. Default 1883. */
  brokerPort?: number;
  /** Rewrites `host[:port]=host2:port2`, applied before the mode. */
  map?: readonly string[];
  /** Run the embedded broker as an Azure IoT Hub stand-in with these devices. */
  azureHub?: AzureHubOptions;
}

export interface RunningBroker {
  /** Where every connection goes (embedded: the bound port; override: its URL); undefined for direct. */
  url?: string;
  /** The hub stand-in, when asked for. */
  azureHub?: AzureHub;
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
  if (opts.azureHub) {
    if (choice !== 'embedded') throw new Error('the Azure IoT Hub stand-in runs in the embedded broker: --azure-hub needs --broker embedded');
    checkAzureHubOptions(opts.azureHub);
  }

  if (choice === 'direct') return { router: new BrokerRouter('direct', rules), start: async () => ({ stop: none }) };
  if (choice !== 'embedded') {
    const to = BrokerRouter.parseUrl(choice);
    return { router: new BrokerRouter('override', rules, to), start: async () => ({ url: brokerUrl(to), stop: none }) };
  }
  const router = new BrokerRouter('embedded', rules);
  return {
    router,
    async start(log) {
      const azureHub = opts.azureHub && new AzureHub(opts.azureHub, log);
      const broker = await EmbeddedBroker.start({ port, log, azureHub });
      router.setTarget(broker.address);
      return { url: broker.url, azureHub, stop: () => broker.stop() };
    },
  };
}
