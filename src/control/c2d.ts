/**
 * The shape of a cloud-to-device message, checked: shared by the control API and scenario
 * files (which are checked before the MQTT stack loads, hence a file of its own).
 */
import { InputError } from '../faults/params';

export interface C2dMessage {
  topic: string;
  payload: string;
  qos?: 0 | 1;
  retain?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** topic (no wildcards), payload text, qos 0/1 (default 1), retain (default false). */
export function checkC2d(body: unknown): C2dMessage {
  if (!isObject(body)) throw new InputError('expected a JSON object { "topic": ..., "payload": ..., "qos": 1, "retain": false }');
  for (const k of Object.keys(body)) if (!['topic', 'payload', 'qos', 'retain'].includes(k)) throw new InputError(`unknown field "${k}" (known: topic, payload, qos, retain)`);
  const { topic, payload, qos = 1, retain = false } = body;
  if (typeof topic !== 'string' || topic === '' || /[+#\0]/.test(topic)) throw new InputError('"topic" must be a non-empty topic name without wildcards');
  if (typeof payload !== 'string') throw new InputError('"payload" must be a string');
  if (qos !== 0 && qos !== 1) throw new InputError('"qos" must be 0 or 1 (the SIM800 has no QoS 2)');
  if (typeof retain !== 'boolean') throw new InputError('"retain" must be true or false');
  return { topic, payload, qos, retain };
}

/** A cloud-to-device message for the Azure hub stand-in: the hub builds the topic. */
export interface AzureC2dMessage {
  deviceId: string;
  payload: string;
  messageId?: string;
  properties?: Record<string, string>;
}

/** deviceId, payload text, optional messageId (`$.mid`) and application properties. */
export function checkAzureC2d(body: unknown): AzureC2dMessage {
  if (!isObject(body)) throw new InputError('expected a JSON object { "deviceId": ..., "payload": ..., "messageId": ..., "properties": {...} }');
  for (const k of Object.keys(body)) if (!['deviceId', 'payload', 'messageId', 'properties'].includes(k)) throw new InputError(`unknown field "${k}" (known: deviceId, payload, messageId, properties)`);
  const { deviceId, payload, messageId, properties } = body;
  if (typeof deviceId !== 'string' || deviceId === '') throw new InputError('"deviceId" must be a non-empty string');
  if (typeof payload !== 'string') throw new InputError('"payload" must be a string');
  if (messageId !== undefined && (typeof messageId !== 'string' || messageId === '')) throw new InputError('"messageId" must be a non-empty string');
  if (properties !== undefined && (!isObject(properties) || Object.values(properties).some((v) => typeof v !== 'string'))) {
    throw new InputError('"properties" must be an object of string values');
  }
  return { deviceId, payload, messageId, properties: properties as Record<string, string> | undefined };
}
