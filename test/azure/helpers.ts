/**
 * The application note's Azure device (its Example 2), a device emulator with the hub
 * stand-in, and Microsoft's token for comparisons.
 */
import { encodeUriComponentStrict, SharedAccessSignature } from 'azure-iot-common';
import type { AzureHubOptions, Refusal } from '../../src/broker/azureHub';
import type { EmulatorOptions } from '../../src/emulator';
import { bearerUp, startDevice, type Device } from '../helpers/mqtt';

export const HOST = '9AMIoTHub-HW.azure-devices.cn';
export const DEVICE = 'simcomdevice';
export const KEY = 'n1A0qKmG6ltXWtNX1HL4zPAih/ug50D7P4rCv6pc/3c=';
export const OTHER_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
export const SAZURECONF = `AT+SAZURECONF="${HOST}:8883","${DEVICE}","${KEY}",86400`;

export const HUB: AzureHubOptions = { devices: [{ id: DEVICE, key: KEY }, { id: 'other', key: OTHER_KEY }] };

/** The device token azure-iot-common makes for these inputs. */
export const microsoftToken = (host: string, deviceId: string, key: string, expiry: number): string =>
  SharedAccessSignature.create(encodeUriComponentStrict(`${host}/devices/${deviceId}`), '', key, expiry).toString();

/** Emulator with the hub stand-in over plain MQTT, CMEE=1, the module clock on network time (CLTS=1 + CFUN cycle), bearer open. */
export async function hubDevice(opts: EmulatorOptions = {}, { networkTime = true } = {}): Promise<Device> {
  // No TLS listener: the hub stand-in then takes plain MQTT (with one it is TLS only).
  const d = await startDevice({ azureHub: HUB, brokerTlsPort: false, ...opts });
  await d.dte.ok('AT+CMEE=1');
  if (networkTime) {
    await d.dte.ok('AT+CLTS=1');
    await d.dte.ok('AT+CFUN=0');
    await d.dte.ok('AT+CFUN=1');
    await d.dte.waitFor('+CIEV:');
  }
  await bearerUp(d.dte);
  return d;
}

/** Collects the hub's refusals. */
export function refusals(d: Device): Refusal[] {
  const out: Refusal[] = [];
  d.emu.azureHub!.on('refused', (r) => out.push(r));
  return out;
}
