/**
 * A value the emulator cannot start with: a bad option, flag or config value, a state
 * directory it cannot use. The library throws it; the CLI prints its message as one line
 * and exits with code 2. `option` names where the value came from (`--tcp`, `modem.imei`).
 */
export class OptionError extends Error {
  override readonly name = 'OptionError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}
