/**
 * AT+SAZURECONF (SIM800 MQTT application note; docs/azure.md): the hub's URL, the device
 * id and key, and the token lifetime. It fills SMCONF's URL, CLIENTID and USERNAME at
 * once and makes PASSWORD a SAS token that every later AT+SMCONN signs afresh, expiring
 * at the module clock (AT+CCLK) plus the lifetime.
 */
import { int, str } from '../at/args';
import { CME } from '../at/cme';
import { cme } from '../at/result';
import { parseHostPort } from '../address';
import { DEVICE_ID_RE, isBase64, isDomainName } from '../sas';
import { form, type Command, type Family } from './family';
import { mqttSession } from './features';

/** The hub speaks MQTT over TLS on 8883 only (the application note: "port must be 8883"). */
export const AZURE_MQTT_PORT = 8883;
/** 3600 * 24 * 365: a year (the application note's maximum). */
export const AZURE_MAX_LIFETIME = 31_536_000;

const commands: Command[] = [
  {
    name: '+SAZURECONF',
    test: ['+SAZURECONF: "url","deviceId","deviceKey",<expiry_time>'],
    // No read or execute form is documented: both answer ERROR like any form a command lacks.
    write: form(
      [
        str('url', { maxLen: 255 }),
        str('deviceId', { maxLen: 128 }),
        // Hub keys are 16..64 bytes: at most 88 base64 characters.
        str('deviceKey', { maxLen: 88 }),
        int('expiry', { min: 0, max: AZURE_MAX_LIFETIME }),
      ],
      (ctx, [url, id, key, lifetime]) => {
        const hp = parseHostPort(url);
        if (!hp || hp.port !== AZURE_MQTT_PORT || !isDomainName(hp.host)) return cme(CME.invalidInput);
        if (!DEVICE_ID_RE.test(id) || !isBase64(key)) return cme(CME.invalidInput);
        const cfg = ctx.modem.feature(mqttSession).config;
        cfg.host = hp.host;
        cfg.port = AZURE_MQTT_PORT;
        cfg.clientId = id;
        cfg.username = `${hp.host}/${id}/?api-version=${ctx.modem.config.azureApiVersion}`;
        cfg.password = ''; // signed at SMCONN
        cfg.azure = { host: hp.host, deviceId: id, key, lifetime };
      },
    ),
  },
];

export const azure: Family = { name: 'azure', commands };
