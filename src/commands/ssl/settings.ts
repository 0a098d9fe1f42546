/**
 * The module's SSL settings (docs/tls.md): the root certificate file set with
 * AT+SSLSETROOT, the AT+SSLOPT switches and the AT+SSLSETCERT client certificate. They
 * live in RAM like the SMCONF parameters: a restart brings the defaults back, while the
 * files they name stay in flash (docs/decisions.md, TLS).
 */

export class SslSettings {
  /** The root file and the size firmware declared for it. */
  root: { file: string; size: number } | null = null;
  /** AT+SSLOPT=0,1: accept a server certificate that does not verify. */
  ignoreInvalidCert = false;
  /** AT+SSLOPT=1,1: client authentication (stored; no client certificate is presented). */
  clientAuth = false;
  /** AT+SSLSETCERT: the client certificate file and its password. */
  clientCert: { file: string; password: string } | null = null;

  reset(): void {
    this.root = null;
    this.ignoreInvalidCert = false;
    this.clientAuth = false;
    this.clientCert = null;
  }
}
