/**
 * Node's own modules that no start needs before its ready line, each required where it
 * is first used: crypto (the first SAS token, broker password or CA), tls (the first TLS
 * connection), http (the control API, AT+HTTPACTION) and dns (the first name to look
 * up). Loading them costs a start several milliseconds that a DTE may never need
 * (docs/architecture.md, start-up). Types come from `import type` as usual.
 */
import type * as Crypto from 'node:crypto';
import type * as Dgram from 'node:dgram';
import type * as Dns from 'node:dns';
import type * as Http from 'node:http';
import type * as Tls from 'node:tls';

let crypto: typeof Crypto | undefined;
let dgram: typeof Dgram | undefined;
let dns: typeof Dns | undefined;
let http: typeof Http | undefined;
let tls: typeof Tls | undefined;

export const nodeCrypto = (): typeof Crypto => (crypto ??= require('node:crypto') as typeof Crypto);
export const nodeDgram = (): typeof Dgram => (dgram ??= require('node:dgram') as typeof Dgram);
export const nodeDns = (): typeof Dns => (dns ??= require('node:dns') as typeof Dns);
export const nodeHttp = (): typeof Http => (http ??= require('node:http') as typeof Http);
export const nodeTls = (): typeof Tls => (tls ??= require('node:tls') as typeof Tls);
