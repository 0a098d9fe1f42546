/**
 * Logging with pino: pretty on a terminal, JSON otherwise, always on stderr (stdout
 * carries the ready line, and with --stdio the modem's own bytes). Secrets never reach
 * a log unredacted: redactLine() masks them inside AT lines, and pino's redact paths
 * mask them inside structured fields.
 */
import pino, { type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const REDACT_PATHS = ['password', '*.password', 'deviceKey', '*.deviceKey', 'sasToken', '*.sasToken', 'token', '*.token'];

export function createLogger(level: LogLevel = 'info', pretty = process.stderr.isTTY === true): Logger {
  if (pretty && level !== 'silent') {
    return pino({
      level,
      redact: { paths: REDACT_PATHS, censor: '***' },
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } },
    });
  }
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '***' } }, pino.destination(2));
}

export const silentLogger: Logger = pino({ level: 'silent' });

const MAY_HOLD_SECRET = /SMCONF|SAZURECONF|SAPBR|SSLSETCERT|CSTT/i;

/**
 * Masks secret arguments inside an AT command line: SMCONF PASSWORD values, the
 * SAZURECONF device key, SAPBR PWD values, the SSLSETCERT password, the AT+CSTT password.
 */
export function redactLine(line: string): string {
  if (!MAY_HOLD_SECRET.test(line)) return line; // most lines: one scan instead of four
  return line
    .replace(/(\+SMCONF\s*=\s*"?PASSWORD"?\s*,\s*)("(?:[^"\\]|\\.)*"|[^;]*)/gi, '$1***')
    .replace(/(\+SAZURECONF\s*=\s*(?:"[^"]*"|[^,;]*)\s*,\s*(?:"[^"]*"|[^,;]*)\s*,\s*)("[^"]*"|[^,;]*)/gi, '$1***')
    .replace(/(\+SAPBR\s*=\s*3\s*,\s*\d+\s*,\s*"?PWD"?\s*,\s*)("[^"]*"|[^;]*)/gi, '$1***')
    .replace(/(\+SSLSETCERT\s*=\s*(?:"[^"]*"|[^,;]*)\s*,\s*)("[^"]*"|[^;]*)/gi, '$1***')
    .replace(/(\+CSTT\s*=\s*(?:"[^"]*"|[^,;]*)\s*,\s*(?:"[^"]*"|[^,;]*)\s*,\s*)("[^"]*"|[^;]*)/gi, '$1***');
}
