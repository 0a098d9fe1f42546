/**
 * Every family's per-modem state (feature), defined here rather than in the family's own
 * module so that a modem, the control API and the faults can name a feature without
 * loading the family: the families load on the first use of one of their commands
 * (src/commands/index.ts), and a feature's state class loads when a modem first makes
 * that state (`require()` inside `create`, which the bundle turns into a module
 * initialised on that call; docs/architecture.md, start-up). The families import their
 * features from here.
 */
import type { Modem } from '../modem/modem';
import { defineFeature } from '../modem/modem';
import type { Feature } from '../modem/feature';
import { childLogger } from '../log';

/** AT+COPS <format> (0 long name, 1 short name, 2 numeric), as last written. */
export class OperatorFormat {
  format = 0;
}
export const operatorFormat = defineFeature('operatorFormat', () => new OperatorFormat());

export type CompatValue = number | string | number[];

/** The compat family's settings at every power-up (src/commands/compat.ts). */
export const COMPAT_DEFAULTS: Readonly<Record<string, CompatValue>> = {
  '+CBATCHK': 0,
  '+CVHU': 0,
  '+CNETLIGHT': 1,
  '+CSGS': 1,
  '+IFC': [0, 0],
  '+ICF': [3, 3],
};

/** The compat family's settings by command name: RAM, back to the defaults at every power-up. */
export class CompatSettings {
  values: Record<string, CompatValue> = structuredClone(COMPAT_DEFAULTS);
  reset(): void {
    this.values = structuredClone(COMPAT_DEFAULTS);
  }
}
export const compatSettings = defineFeature('compat', () => new CompatSettings());

/** The flash file system (AT+FS*), kept in the state directory when there is one. */
export const fileSystem = defineFeature('files', (modem) => {
  const { FileSystem } = require('./fs/fileSystem') as typeof import('./fs/fileSystem');
  return new FileSystem(modem.stateDir, childLogger(modem.log, { mod: 'fs' }));
});

/** The SSL family's settings (AT+SSLSETROOT, AT+SSLOPT, AT+SSLSETCERT). */
export const sslSettingsFeature = defineFeature('ssl', () => {
  const { SslSettings } = require('./ssl/settings') as typeof import('./ssl/settings');
  return new SslSettings();
});

/** The modem's MQTT session; TLS trusts what the SSL family names, read from the flash. */
export const mqttSession = defineFeature('mqtt', (modem) => {
  const { MqttSession } = require('./mqtt/session') as typeof import('./mqtt/session');
  return new MqttSession(modem, { settings: () => modem.feature(sslSettingsFeature), roots: () => modem.feature(fileSystem) });
});

/** The TCP/IP stack (AT+CIP*). */
export const tcpipStack = defineFeature('tcpip', (modem) => {
  const { TcpIpStack } = require('./tcpip/stack') as typeof import('./tcpip/stack');
  return new TcpIpStack(modem);
});

/** The HTTP service (AT+HTTP*). */
export const httpService = defineFeature('http', (modem) => {
  const { HttpService } = require('./http/service') as typeof import('./http/service');
  return new HttpService(modem);
});

/** The SIM's message store and the SMS settings. */
export const smsFeature = defineFeature('sms', (modem) => {
  const { Sms } = require('./sms/sms') as typeof import('./sms/sms');
  return new Sms(modem);
});

/** Voice calls and USSD. */
export const callFeature = defineFeature('call', (modem) => {
  const { Calls } = require('./call/calls') as typeof import('./call/calls');
  return new Calls(modem);
});

/**
 * Every feature, in registration order: the modem calls their states' hooks in this order
 * (a feature missing here throws at its first use, src/modem/feature.ts).
 */
export const FEATURES: readonly Feature<object, Modem>[] = [operatorFormat, mqttSession, tcpipStack, compatSettings, fileSystem, sslSettingsFeature, httpService, smsFeature, callFeature];
