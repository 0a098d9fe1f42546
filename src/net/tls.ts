/**
 * TLS as the module does it (docs/tls.md): the only trusted root is the file firmware
 * named with AT+SSLSETROOT, read at connect time (the module has no system CA store, so
 * there is never a fallback to one); the server's certificate must be valid for the host
 * firmware configured (not the address the emulator routed the connection to);
 * AT+SSLOPT=0,1 switches every check off.
 */
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { nodeCrypto, nodeTls } from '../builtins';

/** What the module's SSL settings say about trust. */
export interface TrustSettings {
  /** AT+SSLOPT=0,1: accept a server certificate that does not verify. */
  ignoreInvalidCert: boolean;
  /** The file AT+SSLSETROOT named, or null. */
  root: { file: string } | null;
}

/** Where root certificate files are read from (the module's flash): the bytes, or why not. */
export interface RootCertificateSource {
  read(file: string): Buffer | string;
}

/** The part of tls.connect()'s options this decides (mqtt.js passes them through). */
export interface TlsClientOptions {
  ca?: string[];
  servername?: string;
  rejectUnauthorized: boolean;
  checkServerIdentity?: typeof tls.checkServerIdentity;
}

export type TlsPlan = { ok: true; options: TlsClientOptions } | { ok: false; reason: string };

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The certificates in a root file: PEM (one or more) or one DER certificate. */
export function parseRootCertificates(data: Buffer): string[] {
  const text = data.toString('latin1');
  const blocks = text.includes('-----BEGIN') ? (text.match(PEM_CERT_RE) ?? []) : [data];
  const out: string[] = [];
  for (const b of blocks) {
    try {
      out.push(new (nodeCrypto().X509Certificate)(b).toString());
    } catch {
      // not a certificate: it adds no trust
    }
  }
  return out;
}

/** The TLS options for a connection to `host` (the host firmware configured). */
export function tlsClientOptions(trust: TrustSettings, roots: RootCertificateSource, host: string): TlsPlan {
  // SNI carries a host name only (RFC 6066): never an address.
  const servername = net.isIP(host) ? undefined : host;
  if (trust.ignoreInvalidCert) return { ok: true, options: { servername, rejectUnauthorized: false } };
  if (!trust.root) return { ok: false, reason: 'no root certificate (AT+SSLSETROOT) and verification on' };
  const data = roots.read(trust.root.file);
  if (typeof data === 'string') return { ok: false, reason: `root certificate file ${trust.root.file}: ${data}` };
  const ca = parseRootCertificates(data);
  if (ca.length === 0) return { ok: false, reason: `root certificate file ${trust.root.file} holds no certificate` };
  return {
    ok: true,
    options: {
      ca,
      servername,
      rejectUnauthorized: true,
      // Node would check the dialled address; the module checks the name it was given.
      checkServerIdentity: (_dialled, cert) => nodeTls().checkServerIdentity(host, cert),
    },
  };
}
