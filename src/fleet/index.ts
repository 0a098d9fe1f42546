/** Fleet mode: many modems in one process, and the scripted DTE that load-tests a backend with them. */
export { startFleet, checkFleetOptions, FLEET_AT_LOG_SIZE, fleetReadyLine, formatTcpList, parseTcpList, PTY_INDEX, type FleetHandle, type FleetOptions, type FleetEndpoints } from './fleet';
export { driveFleet, runScriptedDte, summarize, percentile, type DteScript, type DeviceReport, type FleetReport } from './driver';
export { identityFor, identityCapacity } from './identity';
export { parseShard, formatShard, resolveShard, shardFromEnv, firstDevice, type Shard, type ShardSource } from './shard';
export { Histogram, type HistogramJson } from './histogram';
export { mergeResults, readResults, resultOf, MergeProblem, RESULT_FORMAT, type LoadtestResult, type ShardSummary, type LatencySummary } from './result';
