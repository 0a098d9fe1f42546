/**
 * The embedded broker's certificate authority: a CA certificate and key (generated, or
 * the user's own), and server certificates it signs on demand for the name a client asks
 * for (TLS SNI), so firmware that dials its production host name verifies the embedded
 * broker against the root it loaded with AT+SSLSETROOT, while a wrong root still fails.
 *
 * Certificates are built with node-forge (no hand-written ASN.1); keys come from Node's
 * crypto (native, fast). RSA 2048 / SHA-256: what a SIM800 (TLS 1.0-1.2 era) can verify.
 * Nothing here logs a key.
 */
import type * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type * as tls from 'node:tls';
import type Forge from 'node-forge';
import { nodeCrypto, nodeTls } from '../builtins';

/**
 * node-forge is loaded on first use: a CA is made or read only when TLS is needed, and
 * loading forge was ~45 ms of the CLI's 340 ms cold start (bench/README.md).
 */
let loaded: typeof Forge | undefined;
const forge = (): typeof Forge => (loaded ??= require('node-forge') as typeof Forge);

export interface PemPair {
  cert: string;
  key: string;
}

const DAY_MS = 86_400_000;
/** What a client without SNI (or with a name we cannot issue for) is shown. */
export const DEFAULT_SERVER_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];
const HOST_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;
const CONTEXT_CACHE_MAX = 256;

function rsaKeyPair(): { pem: string; key: Forge.pki.rsa.PrivateKey; pub: Forge.pki.rsa.PublicKey } {
  const { privateKey } = nodeCrypto().generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const key = forge().pki.privateKeyFromPem(pem);
  return { pem, key, pub: forge().pki.setRsaPublicKey(key.n, key.e) };
}

/** forge writes CR LF; Node, OpenSSL and firmware files use LF. */
const pemLf = (pem: string) => pem.replace(/\r\n/g, '\n');

/** A positive serial number, 16 random bytes. */
function serial(): string {
  const b = nodeCrypto().randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

function validity(cert: Forge.pki.Certificate, days: number): void {
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS); // tolerate a device clock a day behind
  cert.validity.notAfter = new Date(now + days * DAY_MS);
}

export class CertificateAuthority {
  private readonly cert: Forge.pki.Certificate;
  private readonly key: Forge.pki.rsa.PrivateKey;
  private leafKey?: ReturnType<typeof rsaKeyPair>;
  private readonly contexts = new Map<string, tls.SecureContext>();

  private constructor(
    /** The CA certificate, PEM: what firmware loads as its root. */
    readonly certPem: string,
    private readonly keyPem: string,
  ) {
    this.cert = forge().pki.certificateFromPem(certPem);
    this.key = forge().pki.privateKeyFromPem(keyPem) as Forge.pki.rsa.PrivateKey;
  }

  /** A new CA, valid for ten years, with a unique name. */
  static generate(commonName = `sim800-emu test CA ${nodeCrypto().randomBytes(4).toString('hex')}`): CertificateAuthority {
    const { pem, key, pub } = rsaKeyPair();
    const cert = forge().pki.createCertificate();
    cert.publicKey = pub;
    cert.serialNumber = serial();
    validity(cert, 3650);
    const name = [
      { name: 'commonName', value: commonName },
      { name: 'organizationName', value: 'sim800-emu' },
    ];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    cert.sign(key, forge().md.sha256.create());
    return new CertificateAuthority(pemLf(forge().pki.certificateToPem(cert)), pem);
  }

  /** The user's own CA; throws a one-line Error naming what is wrong with it. */
  static fromPem(pair: PemPair): CertificateAuthority {
    let x509: crypto.X509Certificate;
    try {
      x509 = new (nodeCrypto().X509Certificate)(pair.cert);
    } catch {
      throw new Error('broker CA: the certificate is not a PEM X.509 certificate');
    }
    if (!x509.ca) throw new Error('broker CA: the certificate is not a CA certificate (basicConstraints CA:TRUE)');
    let key: crypto.KeyObject;
    try {
      key = nodeCrypto().createPrivateKey(pair.key);
    } catch {
      throw new Error('broker CA: the key is not an unencrypted PEM private key');
    }
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`broker CA: only RSA keys are supported (got ${key.asymmetricKeyType})`);
    if (!x509.checkPrivateKey(key)) throw new Error('broker CA: the key does not belong to the certificate');
    return new CertificateAuthority(x509.toString(), key.export({ type: 'pkcs8', format: 'pem' }) as string);
  }

  /**
   * The CA kept in `dir` (`ca.crt`, `ca.key`), created there on first use, so a root
   * firmware stored in its flash keeps verifying after the emulator restarts.
   */
  static loadOrCreate(dir: string): CertificateAuthority {
    const certFile = path.join(dir, 'ca.crt');
    const keyFile = path.join(dir, 'ca.key');
    if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
      return CertificateAuthority.fromPem({ cert: fs.readFileSync(certFile, 'utf8'), key: fs.readFileSync(keyFile, 'utf8') });
    }
    const ca = CertificateAuthority.generate();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(keyFile, ca.keyPem, { mode: 0o600 });
    fs.writeFileSync(certFile, ca.certPem);
    return ca;
  }

  /** A server certificate for these DNS names / IP addresses, signed by this CA. */
  issue(names: readonly string[], days = 825): PemPair {
    if (names.length === 0) throw new Error('issue: at least one name');
    this.leafKey ??= rsaKeyPair();
    const cert = forge().pki.createCertificate();
    cert.publicKey = this.leafKey.pub;
    cert.serialNumber = serial();
    validity(cert, days);
    cert.setSubject([{ name: 'commonName', value: names[0] }]);
    cert.setIssuer(this.cert.subject.attributes);
    cert.setExtensions([
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
      { name: 'authorityKeyIdentifier', keyIdentifier: this.cert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(this.key, forge().md.sha256.create());
    return { cert: pemLf(forge().pki.certificateToPem(cert)), key: this.leafKey.pem };
  }

  /**
   * The server context for a client that asked for `servername` (empty: no SNI). Names
   * that are not host names get the default certificate. Cached per name.
   */
  contextFor(servername: string): tls.SecureContext {
    const name = HOST_RE.test(servername) && !net.isIP(servername) ? servername.toLowerCase().replace(/\.$/, '') : '';
    let ctx = this.contexts.get(name);
    if (!ctx) {
      const pair = this.issue(name ? [name] : DEFAULT_SERVER_NAMES);
      ctx = nodeTls().createSecureContext({ cert: pair.cert, key: pair.key });
      if (this.contexts.size >= CONTEXT_CACHE_MAX) this.contexts.clear();
      this.contexts.set(name, ctx);
    }
    return ctx;
  }

  /** For tls.Server / TLSSocket `SNICallback`. */
  readonly sniCallback = (servername: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    try {
      cb(null, this.contextFor(servername));
    } catch (err) {
      cb(err as Error);
    }
  };
}
