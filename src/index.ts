/** sim800-emu as a library: the emulator, its DTE-side client, and the pieces tests reach for. */
export { startEmulator, type EmulatorHandle, type EmulatorOptions } from './emulator';
export { DteClient, type AtResponse } from './client/dteClient';
export { Modem } from './modem/modem';
export { DEFAULT_MODEM_CONFIG, type ModemConfig } from './modem/config';
export { PROFILES, type TimingProfile } from './profile';
export { VirtualClock, systemClock, type Clock } from './clock';
export { FaultController, FAULT_NAMES, FaultError, type ActiveFault, type FaultName } from './faults';
export { Control, type ModemState } from './control';
export { createModemBinding, type ModemBinding, type ModemBindingOptions } from './transport/binding';
export type { SerialOptions } from './transport/serial';
export type { LineFormat, Parity } from './uart/uart';
export { startFleet, driveFleet, runScriptedDte, type FleetHandle, type FleetOptions, type DteScript, type DeviceReport, type FleetReport } from './fleet';
export { parseShard, resolveShard, mergeResults, readResults, Histogram, type Shard, type LoadtestResult } from './fleet';
export { runLoadtest, type LoadtestOptions } from './bench/loadtest';
export { readTrace, traceToHtml, traceToText, type Trace } from './trace/read';
export type { TraceRecord, TraceKind } from './trace/format';
export type { TraceOptions } from './trace/writer';
export type { TimelineEntry, MessageEntry } from './control/live';
