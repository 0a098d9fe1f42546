/** Fault injection: the catalog, the controller, and the pieces tests reach for. */
export { FAULTS, FAULT_NAMES, type FaultName } from './catalog';
export { FaultController, type ActiveFault, type FaultEvent, type InjectOptions } from './controller';
export { FaultError, InputError, parseDuration } from './params';
export type { LinkPacket } from './link';
