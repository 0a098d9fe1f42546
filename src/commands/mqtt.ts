/**
 * The SM* MQTT family (SIM800 MQTT application note; SPEC Part A, AT-REFERENCE §6.1).
 * The table says the forms and ranges; the session (net/mqttSession.ts) does the work.
 */
import { parseArgs, tokenize, type ArgValue, type ParamSpec } from '../at/args';
import type { CommandContext, CommandDef } from '../at/command';
import { CME } from '../at/cme';
import { cme, type Final } from '../at/result';
import { mqttSession, type MqttConfig, type MqttFailure } from '../net/mqttSession';
import { parseHostPort } from '../net/routing';

/**
 * SM* failures as CME codes. Never CME 3: some SDKs (IOTKIT) count `+CME ERROR: 3` as
 * success for SM* commands (AT-REFERENCE §2.2, §11 #2).
 */
export const SM_ERROR: Readonly<Record<MqttFailure, number>> = {
  noBearer: CME.gprsError, // 148 unspecified GPRS error: the CID's bearer is not open
  noUrl: CME.operationFailed, // 767: SMCONN before SMCONF="URL"
  wrongState: CME.operationFailed, // 767: SMCONN while connected; SUB/PUB/UNSUB/DISC while not
  refused: CME.operationFailed, // 767: CONNACK refused (credentials, client id, ...)
  tls: CME.operationFailed, // 767: TLS handshake or certificate check failed
  unreachable: CME.socketOpenFailed, // 161: ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, reset
  dns: CME.dnsFailed, // 160: ENOTFOUND, EAI_AGAIN
  timeout: CME.networkTimeout, // 31: no CONNACK within TIMEOUT
  invalidInput: CME.invalidInput, // 765: a topic MQTT does not allow (wildcard in PUB, bad filter)
};

const result = (r: number | MqttFailure | null): Final | void => (typeof r === 'string' ? cme(SM_ERROR[r]) : undefined);
const session = (ctx: CommandContext) => mqttSession(ctx.modem);

/** Topics and messages: 128 and 1024 characters (AT-REFERENCE §6.1, SIM7080 ranges). */
const TOPIC: ParamSpec = { kind: 'string', name: 'topic', maxLen: 128 };
const MESSAGE_MAX = 1024;

interface TagDef {
  params: readonly ParamSpec[];
  set(cfg: MqttConfig, v: ArgValue[]): Final | void;
  show(cfg: MqttConfig): string;
}

const int = (name: string, min: number, max: number): ParamSpec => ({ kind: 'int', name, min, max });
const str = (name: string, maxLen: number): ParamSpec => ({ kind: 'string', name, maxLen });
const quoted = (s: string) => `"${s}"`;

/** AT+SMCONF tags in the note's order, then the will (SIM7000 dialect tags). */
const TAGS: Readonly<Record<string, TagDef>> = {
  CID: { params: [int('cid', 1, 3)], set: (c, [v]) => void (c.cid = v as number), show: (c) => `CID: ${c.cid}` },
  URL: {
    // `"host:port"`, `"host"` (port 1883) or `"host",port` as the SIM7000 dialect sends it.
    params: [str('url', 255), { kind: 'int', name: 'port', min: 1, max: 65535, optional: true }],
    set(c, [url, port]) {
      const hp = parseHostPort(url as string);
      if (!hp || (hp.port !== undefined && port !== undefined)) return cme(CME.invalidInput);
      c.host = hp.host;
      c.port = hp.port ?? (port as number | undefined) ?? 1883;
    },
    show: (c) => `URL: ${quoted(c.host ? `${c.host}:${c.port}` : '')}`,
  },
  CLIENTID: { params: [str('clientid', 256)], set: (c, [v]) => void (c.clientId = v as string), show: (c) => `CLIENTID: ${quoted(c.clientId)}` },
  KEEPALIVE: { params: [int('keepalive', 60, 3600)], set: (c, [v]) => void (c.keepalive = v as number), show: (c) => `KEEPALIVE: ${c.keepalive}` },
  CLEANSS: { params: [int('cleanss', 0, 1)], set: (c, [v]) => void (c.cleanss = v as number), show: (c) => `CLEANSS: ${c.cleanss}` },
  USERNAME: { params: [str('username', 256)], set: (c, [v]) => void (c.username = v as string), show: (c) => `USERNAME: ${quoted(c.username)}` },
  // Listed like the module does; the engine's log redaction keeps it out of logs.
  // A password of the firmware's own replaces the SAS token AT+SAZURECONF would sign.
  PASSWORD: { params: [str('password', 512)], set: (c, [v]) => void ((c.password = v as string), (c.azure = null)), show: (c) => `PASSWORD: ${quoted(c.password)}` },
  // Seconds; a wide range because EWF firmware sends 1000.
  TIMEOUT: { params: [int('timeout', 1, 65535)], set: (c, [v]) => void (c.timeout = v as number), show: (c) => `TIMEOUT: ${c.timeout}` },
  TOPIC: { params: [str('topic', 128)], set: (c, [v]) => void (c.will.topic = v as string), show: (c) => `TOPIC: ${quoted(c.will.topic)}` },
  MESSAGE: { params: [str('message', MESSAGE_MAX)], set: (c, [v]) => void (c.will.message = v as string), show: (c) => `MESSAGE: ${quoted(c.will.message)}` },
  QOS: { params: [int('qos', 0, 2)], set: (c, [v]) => void (c.will.qos = v as number), show: (c) => `QOS: ${c.will.qos}` },
  RETAIN: { params: [int('retain', 0, 1)], set: (c, [v]) => void (c.will.retain = v as number), show: (c) => `RETAIN: ${c.will.retain}` },
};
/** SIM7000 firmware says KEEPTIME. */
const TAG_ALIASES: Readonly<Record<string, string>> = { KEEPTIME: 'KEEPALIVE' };
const TAG_PARAM: ParamSpec = { kind: 'string', name: 'tag' };

function setConf(ctx: CommandContext, args: string): Final | void {
  const toks = tokenize(args);
  if (!toks) return cme(CME.paramFormat);
  if (!toks[0]) return cme(toks.length === 0 ? CME.paramCountShort : CME.invalidInput);
  const name = toks[0].value.toUpperCase();
  const def = TAGS[TAG_ALIASES[name] ?? name];
  if (!def) return cme(CME.invalidInput);
  const parsed = parseArgs(args, [TAG_PARAM, ...def.params]);
  if (!parsed.ok) return cme(parsed.code);
  return def.set(session(ctx).config, parsed.values.slice(1));
}

export const mqttCommands: CommandDef[] = [
  {
    name: '+SMCONF',
    test: ['+SMCONF: "MQTTParamTag","MQTTParamValue"'],
    // One block: `+SMCONF: ` then one `TAG: value` line per tag (AT-REFERENCE §11 #1).
    read: (ctx) => ctx.info('+SMCONF: ', ...Object.values(TAGS).map((t) => t.show(session(ctx).config))),
    writeRaw: setConf,
  },
  {
    name: '+SMSSL',
    test: ['+SMSSL: (0,1)'],
    read: (ctx) => ctx.info(`+SMSSL: ${session(ctx).ssl}`),
    write: {
      params: [int('enable', 0, 1)],
      run(ctx, [enable]) {
        session(ctx).ssl = enable as number;
      },
    },
  },
  {
    name: '+SMCONN',
    test: [],
    exec: async (ctx) => result(await session(ctx).connect()),
  },
  {
    name: '+SMSUB',
    test: ['+SMSUB: "topic",(0,1)'],
    write: {
      params: [TOPIC, int('qos', 0, 1)],
      run: (ctx, [topic, qos]) => result(session(ctx).subscribe(topic as string, qos as number)),
    },
  },
  {
    name: '+SMUNSUB',
    test: ['+SMUNSUB: "topic"'],
    write: {
      params: [TOPIC],
      run: (ctx, [topic]) => result(session(ctx).unsubscribe(topic as string)),
    },
  },
  {
    name: '+SMPUB',
    test: ['+SMPUB: "topic",(0,1),"message"'],
    write: {
      params: [TOPIC, int('qos', 0, 1), { kind: 'int', name: 'retain', min: 0, max: 1, optional: true }, str('message', MESSAGE_MAX)],
      run: (ctx, [topic, qos, retain, message]) =>
        result(session(ctx).publish(topic as string, qos as number, (retain as number | undefined) ?? 0, message as string)),
    },
  },
  {
    name: '+SMSTATE',
    test: [],
    read: (ctx) => ctx.info(`+SMSTATE: ${session(ctx).state}`),
  },
  {
    name: '+SMDISC',
    test: [],
    exec: async (ctx) => result(await session(ctx).disconnect()),
    // The note lists SMDISC as a "query"; its own examples use the plain form. Both work.
    read: async (ctx) => result(await session(ctx).disconnect()),
  },
];
