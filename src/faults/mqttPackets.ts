/**
 * Just enough MQTT framing for the fault link: split a byte stream into whole packets
 * (fixed header + remaining length), so a lost packet is a whole packet, and name them
 * for the link's tap and counters.
 */

export const PACKET_TYPES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT'] as const;

/** Accumulates bytes and yields every complete packet. */
export class PacketSplitter {
  private data: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.data = this.data.length ? Buffer.concat([this.data, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const d = this.data;
      let len = 0;
      let mul = 1;
      let i = 1;
      for (; i < d.length && i < 5; i++) {
        len += (d[i] & 0x7f) * mul;
        mul *= 128;
        if ((d[i] & 0x80) === 0) break;
      }
      if (i >= d.length || d.length < i + 1 + len) return out;
      out.push(d.subarray(0, i + 1 + len));
      this.data = d.subarray(i + 1 + len);
    }
  }
}

export interface PacketInfo {
  type: string;
  /** PUBLISH only. */
  topic?: string;
  payload?: Buffer;
  qos?: number;
}

/** Names a packet; for PUBLISH also its topic, QoS and payload. */
export function describePacket(p: Buffer): PacketInfo {
  const type = PACKET_TYPES[p[0] >> 4] ?? 'RESERVED';
  if (type !== 'PUBLISH') return { type };
  let i = 1;
  while (p[i] & 0x80) i++;
  i++;
  const topicLen = p.readUInt16BE(i);
  const topic = p.subarray(i + 2, i + 2 + topicLen).toString('utf8');
  const qos = (p[0] >> 1) & 3;
  const start = i + 2 + topicLen + (qos > 0 ? 2 : 0);
  return { type, topic, qos, payload: p.subarray(start) };
}

/** CONNACK refusing the connection with a 3.1.1 return code (1..5). */
export const connack = (code: number) => Buffer.from([0x20, 0x02, 0x00, code]);
