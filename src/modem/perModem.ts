/**
 * State a command family keeps per modem (its file system, its SSL settings), created on
 * first use and owned by a class in the family's module, never by the command table.
 */
import type { Modem } from './modem';

export function perModem<T>(create: (modem: Modem) => T): (modem: Modem) => T {
  const states = new WeakMap<Modem, T>();
  return (modem) => {
    let s = states.get(modem);
    if (s === undefined) {
      s = create(modem);
      states.set(modem, s);
    }
    return s;
  };
}
