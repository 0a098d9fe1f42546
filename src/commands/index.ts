/**
 * The command table: every family registers its definitions here. Find a command by
 * its family's file name (basic, identity, network, clock, bearer, ...).
 */
import { buildTable, type CommandTable } from '../at/command';
import { azureCommands } from './azure';
import { basicCommands } from './basic';
import { bearerCommands } from './bearer';
import { clockCommands } from './clock';
import { compatCommands } from './compat';
import { fsCommands } from './fs';
import { identityCommands } from './identity';
import { mqttCommands } from './mqtt';
import { networkCommands } from './network';
import { sslCommands } from './ssl';

export function createCommandTable(): CommandTable {
  return buildTable(basicCommands, identityCommands, networkCommands, clockCommands, bearerCommands, mqttCommands, azureCommands, compatCommands, fsCommands, sslCommands);
}
