/**
 * The command families, registered here and nowhere else: each brings its commands and
 * its per-modem state (features). Find a command by its family's file or folder name.
 * Adding a family is one import and one entry in FAMILIES.
 */
import { buildTable, type CommandTable } from '../at/command';
import type { FeatureRegistry } from '../modem/feature';
import type { Modem } from '../modem/modem';
import { azure } from './azure';
import { basic } from './basic';
import { bearer } from './bearer';
import { clock } from './clock';
import { compat } from './compat';
import { device } from './device';
import type { Family } from './family';
import { fs } from './fs';
import { http } from './http';
import { identity } from './identity';
import { mqtt } from './mqtt';
import { network } from './network';
import { smsFamily } from './sms';
import { callFamily } from './call';
import { ssl } from './ssl';
import { tcpip } from './tcpip';

export const FAMILIES: readonly Family[] = [basic, identity, network, device, clock, bearer, mqtt, azure, tcpip, compat, fs, ssl, http, smsFamily, callFamily];

/** What every modem of an emulator shares: the command table and the features it registers. */
export interface Catalog {
  table: CommandTable<Modem>;
  features: FeatureRegistry<Modem>;
}

export function createCatalog(families: readonly Family[] = FAMILIES): Catalog {
  return {
    table: buildTable(...families.map((f) => f.commands)),
    features: families.flatMap((f) => f.features ?? []),
  };
}

export function createCommandTable(): CommandTable<Modem> {
  return createCatalog().table;
}
