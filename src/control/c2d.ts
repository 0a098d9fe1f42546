/**
 * The shape of a cloud-to-device message, checked: shared by the control API and scenario
 * files (which are checked before the MQTT stack loads, hence a file of its own).
 */
import type { z } from 'zod';
import { InputError } from '../faults/params';
import { fileKeyPath, lazy, parseOrThrow, strictObject, zod } from '../schema';

export interface C2dMessage {
  topic: string;
  payload: string;
  qos?: 0 | 1;
  retain?: boolean;
}

/** A JSON body as its own keys name it: `"topic" must be …`; the body itself needs no name. */
export function checkBody<T>(schema: z.ZodType<T>, body: unknown): T {
  return parseOrThrow(schema, body, fileKeyPath, (line) => new InputError(line));
}

/** The message for a key a body does not take. */
export const unknownField = (known: string) => (key: string) => `unknown field "${key}" (known: ${known})`;

/** A whole number from `lo` to `hi`; anything else is `message`. */
export const intIn = (lo: number, hi: number, message: string) =>
  zod().number({ error: message }).int({ error: message }).min(lo, { error: message }).max(hi, { error: message });

const TOPIC = 'must be a non-empty topic name without wildcards';

const C2D = lazy(() =>
  strictObject(
    {
      topic: zod().string({ error: TOPIC }).refine((t) => t !== '' && !/[+#\0]/.test(t), { error: TOPIC }),
      payload: zod().string({ error: 'must be a string' }),
      qos: zod().union([zod().literal(0), zod().literal(1)], { error: 'must be 0 or 1 (the SIM800 has no QoS 2)' }).default(1),
      retain: zod().boolean({ error: 'must be true or false' }).default(false),
    },
    'expected a JSON object { "topic": ..., "payload": ..., "qos": 1, "retain": false }',
    unknownField('topic, payload, qos, retain'),
  ),
);

/** topic (no wildcards), payload text, qos 0/1 (default 1), retain (default false). */
export function checkC2d(body: unknown): C2dMessage {
  return checkBody(C2D(), body);
}

/** A cloud-to-device message for the Azure hub stand-in: the hub builds the topic. */
export interface AzureC2dMessage {
  deviceId: string;
  payload: string;
  messageId?: string;
  properties?: Record<string, string>;
}

const AZURE_C2D = lazy(() =>
  strictObject(
    {
      deviceId: zod().string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' }),
      payload: zod().string({ error: 'must be a string' }),
      messageId: zod().string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' }).optional(),
      properties: zod()
        .record(zod().string(), zod().unknown(), { error: 'must be an object of string values' })
        .refine((p): p is Record<string, string> => Object.values(p).every((v) => typeof v === 'string'), { error: 'must be an object of string values' })
        .optional(),
    },
    'expected a JSON object { "deviceId": ..., "payload": ..., "messageId": ..., "properties": {...} }',
    unknownField('deviceId, payload, messageId, properties'),
  ),
);

/** deviceId, payload text, optional messageId (`$.mid`) and application properties. */
export function checkAzureC2d(body: unknown): AzureC2dMessage {
  return checkBody(AZURE_C2D(), body);
}
