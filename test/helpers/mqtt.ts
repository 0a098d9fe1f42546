/**
 * Helpers for the MQTT tests: an emulator with its DTE synced and the bearer open, and
 * a broker-side observer (a plain mqtt.js client) that records what reaches the broker.
 */
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator';
import type { DteClient } from '../../src/client/dteClient';

export interface Device {
  emu: EmulatorHandle;
  dte: DteClient;
  /** Offset in dte.received where the next expectation starts. */
  mark(): number;
  /** Bytes received since `from`. */
  since(from: number): string;
  stop(): Promise<void>;
}

/** Emulator (in-process DTE, embedded broker on a free port unless told), synced with `AT`. */
export async function startDevice(opts: EmulatorOptions = {}): Promise<Device> {
  const emu = await startEmulator({ tcp: false, brokerPort: 0, ...opts });
  const dte = emu.connect();
  await dte.ok('AT');
  return {
    emu,
    dte,
    mark: () => dte.received.length,
    since: (from) => dte.received.slice(from),
    async stop() {
      await dte.close();
      await emu.stop();
    },
  };
}

/** The bearer of Example 1, then the URL (routed by the emulator's options). */
export async function bearerUp(dte: DteClient): Promise<void> {
  await dte.ok('AT+SAPBR=3,1,"Contype","GPRS"');
  await dte.ok('AT+SAPBR=3,1,"APN","CMNET"');
  await dte.ok('AT+SAPBR=1,1');
}

/** Bearer, URL, CLEANSS=1 (or the given SMCONF lines) and SMCONN. */
export async function online(dte: DteClient, conf: string[] = ['AT+SMCONF="CLEANSS",1']): Promise<void> {
  await bearerUp(dte);
  await dte.ok('AT+SMCONF="URL","117.131.85.139:6000"');
  for (const line of conf) await dte.ok(line);
  await dte.ok('AT+SMCONN');
}

export interface Received {
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
}

/** A broker-side client that records every message it receives. */
export class Observer {
  readonly messages: Received[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      this.messages.push({ topic, payload, qos: packet.qos, retain: packet.retain });
      for (const w of this.waiters.splice(0)) w();
    });
    client.on('error', () => undefined);
  }

  static async connect(url: string, opts: IClientOptions = {}): Promise<Observer> {
    const client = await connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...opts });
    return new Observer(client);
  }

  async subscribe(filter: string, qos: 0 | 1 = 1): Promise<void> {
    await this.client.subscribeAsync(filter, { qos });
  }

  /** Resolves with the first recorded message (from `from` on) that matches. */
  async waitFor(match: (m: Received) => boolean, timeoutMs = 5000, from = 0): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.slice(from).find(match);
      if (m) return m;
      if (Date.now() > deadline) throw new Error(`observer: no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages.map((x) => x.topic))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

export { sleep } from './wait';
