/**
 * The SM* MQTT family (SIM800 MQTT application note; docs/mqtt.md). The table says the
 * forms and ranges; the session (session.ts) does the work.
 */
import { int, optional, parseArgs, str, tokenize, type ArgsOf, type ParamSpec } from '../../at/args';
import { CME } from '../../at/cme';
import { cme, type Final } from '../../at/result';
import { parseHostPort } from '../../address';
import { form, type Command, type Ctx, type Family } from '../family';
import { mqttSession } from '../features';
import type { MqttConfig, MqttFailure } from './session';


/**
 * SM* failures as CME codes. Never CME 3: some SDKs (IOTKIT) count `+CME ERROR: 3` as
 * success for SM* commands (docs/mqtt.md, error codes).
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
const session = (ctx: Ctx) => ctx.modem.feature(mqttSession);

/** Topics and messages: 128 and 1024 characters (docs/mqtt.md, SIM7080 ranges). */
const TOPIC = str('topic', { maxLen: 128 });
const MESSAGE_MAX = 1024;

interface TagDef<P extends readonly ParamSpec[] = readonly ParamSpec[]> {
  params: P;
  set(cfg: MqttConfig, v: ArgsOf<P>): Final | void;
  show(cfg: MqttConfig): string;
}

/** One SMCONF tag: its value parameters, how it sets the config, how the read form shows it. */
function tag<const P extends readonly ParamSpec[]>(params: P, set: (cfg: MqttConfig, v: ArgsOf<P>) => Final | void, show: (cfg: MqttConfig) => string): TagDef {
  const def: TagDef<P> = { params, set, show };
  return def;
}

const range = (name: string, min: number, max: number) => int(name, { min, max });
const text = (name: string, maxLen: number) => str(name, { maxLen });
const quoted = (s: string) => `"${s}"`;

/** AT+SMCONF tags in the note's order, then the will (SIM7000 dialect tags). */
const TAGS: Readonly<Record<string, TagDef>> = {
  CID: tag([range('cid', 1, 3)], (c, [v]) => void (c.cid = v), (c) => `CID: ${c.cid}`),
  URL: tag(
    // `"host:port"`, `"host"` (port 1883) or `"host",port` as the SIM7000 dialect sends it.
    [text('url', 255), optional(range('port', 1, 65535))],
    (c, [url, port]) => {
      const hp = parseHostPort(url);
      if (!hp || (hp.port !== undefined && port !== undefined)) return cme(CME.invalidInput);
      c.host = hp.host;
      c.port = hp.port ?? port ?? 1883;
    },
    (c) => `URL: ${quoted(c.host ? `${c.host}:${c.port}` : '')}`,
  ),
  CLIENTID: tag([text('clientid', 256)], (c, [v]) => void (c.clientId = v), (c) => `CLIENTID: ${quoted(c.clientId)}`),
  KEEPALIVE: tag([range('keepalive', 60, 3600)], (c, [v]) => void (c.keepalive = v), (c) => `KEEPALIVE: ${c.keepalive}`),
  CLEANSS: tag([range('cleanss', 0, 1)], (c, [v]) => void (c.cleanss = v), (c) => `CLEANSS: ${c.cleanss}`),
  USERNAME: tag([text('username', 256)], (c, [v]) => void (c.username = v), (c) => `USERNAME: ${quoted(c.username)}`),
  // Listed like the module does; the engine's log redaction keeps it out of logs.
  // A password of the firmware's own replaces the SAS token AT+SAZURECONF would sign.
  PASSWORD: tag([text('password', 512)], (c, [v]) => void ((c.password = v), (c.azure = null)), (c) => `PASSWORD: ${quoted(c.password)}`),
  // Seconds; a wide range because EWF firmware sends 1000.
  TIMEOUT: tag([range('timeout', 1, 65535)], (c, [v]) => void (c.timeout = v), (c) => `TIMEOUT: ${c.timeout}`),
  TOPIC: tag([text('topic', 128)], (c, [v]) => void (c.will.topic = v), (c) => `TOPIC: ${quoted(c.will.topic)}`),
  MESSAGE: tag([text('message', MESSAGE_MAX)], (c, [v]) => void (c.will.message = v), (c) => `MESSAGE: ${quoted(c.will.message)}`),
  QOS: tag([range('qos', 0, 2)], (c, [v]) => void (c.will.qos = v), (c) => `QOS: ${c.will.qos}`),
  RETAIN: tag([range('retain', 0, 1)], (c, [v]) => void (c.will.retain = v), (c) => `RETAIN: ${c.will.retain}`),
};
/** SIM7000 firmware says KEEPTIME. */
const TAG_ALIASES: Readonly<Record<string, string>> = { KEEPTIME: 'KEEPALIVE' };
const TAG_PARAM = str('tag');

function setConf(ctx: Ctx, args: string): Final | void {
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

const commands: Command[] = [
  {
    name: '+SMCONF',
    test: ['+SMCONF: "MQTTParamTag","MQTTParamValue"'],
    // One block: `+SMCONF: ` then one `TAG: value` line per tag (docs/decisions.md, MQTT).
    read: (ctx) => ctx.info('+SMCONF: ', ...Object.values(TAGS).map((t) => t.show(session(ctx).config))),
    writeRaw: setConf,
  },
  {
    name: '+SMSSL',
    test: ['+SMSSL: (0,1)'],
    read: (ctx) => ctx.info(`+SMSSL: ${session(ctx).ssl}`),
    write: form([range('enable', 0, 1)], (ctx, [enable]) => {
      session(ctx).ssl = enable;
    }),
  },
  {
    name: '+SMCONN',
    test: [],
    exec: async (ctx) => result(await session(ctx).connect()),
  },
  {
    name: '+SMSUB',
    test: ['+SMSUB: "topic",(0,1)'],
    write: form([TOPIC, range('qos', 0, 1)], (ctx, [topic, qos]) => result(session(ctx).subscribe(topic, qos))),
  },
  {
    name: '+SMUNSUB',
    test: ['+SMUNSUB: "topic"'],
    write: form([TOPIC], (ctx, [topic]) => result(session(ctx).unsubscribe(topic))),
  },
  {
    name: '+SMPUB',
    test: ['+SMPUB: "topic",(0,1),"message"'],
    write: form([TOPIC, range('qos', 0, 1), optional(range('retain', 0, 1)), text('message', MESSAGE_MAX)], (ctx, [topic, qos, retain, message]) =>
      result(session(ctx).publish(topic, qos, retain ?? 0, message)),
    ),
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

export const mqtt: Family = { name: 'mqtt', commands };
