/**
 * Loads mqtt.js or aedes with `debug` handing out a logger that does nothing for each
 * namespace that DEBUG leaves off. mqtt-packet, which both load, and mqtt.js call their
 * loggers several times for every packet. debug's logger collects its arguments into an
 * array before it checks whether it is on: 3.9 of the 15.4 KB an MQTT loop put on the
 * heap (bench/README.md, benchmark 10).
 *
 * Only loggers made while the package loads (or later through what it kept of `debug`)
 * are affected. A namespace that DEBUG enables still gets debug's own logger, so
 * `DEBUG=mqtt-packet:* sim800-emu …` logs as before. A quiet logger stays quiet if
 * debug.enable() turns its namespace on later; nothing in the emulator calls that.
 * `require('debug')` is debug's own again as soon as the package has loaded.
 */
import * as path from 'node:path';

type Logger = ((...args: unknown[]) => void) & { enabled: boolean; namespace: string; extend(sub: string, delimiter?: string): Logger };
type Factory = ((namespace: string) => Logger) & Record<string, unknown>;

/** What a quiet logger has of debug's: the names a package may read or call. */
function quietLogger(make: Factory, namespace: string): Logger {
  const log = (() => undefined) as unknown as Logger;
  log.enabled = false;
  log.namespace = namespace;
  log.extend = (sub: string, delimiter = ':') => make(namespace + delimiter + sub);
  return log;
}

/** debug's entry in the module cache, as `id`'s modules (and mqtt-packet's) resolve it; null when it cannot be found. */
function debugEntry(id: string): NodeModule | null {
  try {
    const from = path.dirname(require.resolve(`${id}/package.json`));
    const packet = path.dirname(require.resolve('mqtt-packet/package.json', { paths: [from] }));
    const file = require.resolve('debug', { paths: [packet] });
    require(file);
    return require.cache[file] ?? null;
  } catch {
    return null;
  }
}

/** `require(id)`, with debug's loggers made meanwhile quiet unless DEBUG enables their namespace. */
export function requireQuietly<T>(id: 'mqtt' | 'aedes'): T {
  const entry = debugEntry(id);
  const real = entry?.exports as Factory | undefined;
  if (!entry || typeof real !== 'function') return require(id) as T;
  const quiet = Object.assign((namespace: string): Logger => {
    const logger = real(namespace);
    return logger.enabled ? logger : quietLogger(quiet, namespace);
  }, real) as Factory;
  quiet.default = quiet.debug = quiet; // debug's own aliases of itself
  entry.exports = quiet;
  try {
    return require(id) as T;
  } finally {
    entry.exports = real;
  }
}
