/**
 * Helpers for the TLS tests: what firmware does to trust a broker (the root certificate
 * into flash with AT+FSCREATE/AT+FSWRITE, then AT+SSLSETROOT), and extra CAs to play the
 * wrong root.
 */
import type { DteClient } from '../../src/client/dteClient';
import { CertificateAuthority } from '../../src/broker/ca';

export const ROOT_FILE = 'C:\\USER\\ROOT.CRT';

/** FSCREATE + FSWRITE (the `> ` prompt, then the bytes) of `data` into `file`. */
const toBytes = (data: string | Buffer) => (typeof data === 'string' ? Buffer.from(data, 'latin1') : data);

export async function writeModemFile(dte: DteClient, file: string, data: string | Buffer): Promise<void> {
  const bytes = toBytes(data);
  const created = await dte.send(`AT+FSCREATE=${file}`);
  if (!created.ok && created.final !== '+CME ERROR: 3') throw new Error(`FSCREATE answered ${created.final}`);
  const r = await dte.send(`AT+FSWRITE=${file},0,${bytes.length},10`);
  if (r.final !== '>') throw new Error(`FSWRITE answered ${r.final}`);
  const from = dte.received.length;
  dte.write(bytes);
  await dte.waitForRaw('\r\nOK\r\n', 10_000, from);
}

/** The root into flash and AT+SSLSETROOT as EWF sends it (`"<file>", "<size>"`). */
export async function loadRoot(dte: DteClient, root: string | Buffer, file = ROOT_FILE): Promise<void> {
  await writeModemFile(dte, file, root);
  await dte.ok(`AT+SSLSETROOT="${file}", "${toBytes(root).length}"`);
}

let other: CertificateAuthority | undefined;
/** A CA that signed nothing the brokers present: the wrong root (made once per test file). */
export function otherCa(): CertificateAuthority {
  return (other ??= CertificateAuthority.generate('an unrelated CA'));
}
