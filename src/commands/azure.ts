/**
 * AT+SAZURECONF (SPEC Part A; AT-REFERENCE §10; docs/azure.md): the hub's URL, the device
 * id and key, and the token lifetime. It fills SMCONF's URL, CLIENTID and USERNAME at
 * once and makes PASSWORD a SAS token that every later AT+SMCONN signs afresh, expiring
 * at the module clock (AT+CCLK) plus the lifetime.
 */
import type { CommandDef } from '../at/command';
import { CME } from '../at/cme';
import { cme } from '../at/result';
import { mqttSession } from '../net/mqttSession';
import { parseHostPort } from '../net/routing';
import { DEVICE_ID_RE, isBase64, isDomainName } from '../net/sas';

/** The hub speaks MQTT over TLS on 8883 only (SPEC: "port must be 8883"). */
export const AZURE_MQTT_PORT = 8883;
/** 3600 * 24 * 365: a year (SPEC). */
export const AZURE_MAX_LIFETIME = 31_536_000;

export const azureCommands: CommandDef[] = [
  {
    name: '+SAZURECONF',
    test: ['+SAZURECONF: "url","deviceId","deviceKey",<expiry_time>'],
    // No read or execute form is documented: both answer ERROR like any form a command lacks.
    write: {
      params: [
        { kind: 'string', name: 'url', maxLen: 255 },
        { kind: 'string', name: 'deviceId', maxLen: 128 },
        // Hub keys are 16..64 bytes: at most 88 base64 characters.
        { kind: 'string', name: 'deviceKey', maxLen: 88 },
        { kind: 'int', name: 'expiry', min: 0, max: AZURE_MAX_LIFETIME },
      ],
      run(ctx, [url, deviceId, key, lifetime]) {
        const hp = parseHostPort(url as string);
        const id = deviceId as string;
        if (!hp || hp.port !== AZURE_MQTT_PORT || !isDomainName(hp.host)) return cme(CME.invalidInput);
        if (!DEVICE_ID_RE.test(id) || !isBase64(key as string)) return cme(CME.invalidInput);
        const cfg = mqttSession(ctx.modem).config;
        cfg.host = hp.host;
        cfg.port = AZURE_MQTT_PORT;
        cfg.clientId = id;
        cfg.username = `${hp.host}/${id}/?api-version=${ctx.modem.config.azureApiVersion}`;
        cfg.password = ''; // signed at SMCONN
        cfg.azure = { host: hp.host, deviceId: id, key: key as string, lifetime: lifetime as number };
      },
    },
  },
];
