/**
 * Just enough MQTT framing for the fault link: split a byte stream into whole packets
 * (fixed header + remaining length), so a lost packet is a whole packet, and name them
 * for the link's tap and counters.
 */

export const PACKET_TYPES = ['', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT'] as const;

/** Accumulates bytes and yields every complete packet. */
export class PacketSplitter {
  private data: Buffer = Buffer.alloc(0);

  /** Bytes of a packet not yet complete are held. */
  get pending(): boolean {
    return this.data.length > 0;
  }

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

/**
 * Counts whole packets in a byte stream as it passes, copying nothing: the fixed header's
 * remaining length is read across chunks, and the body skipped. It also knows where the
 * packet under way ends, so a stream that passed uncounted bytes can start splitting
 * packets (PacketSplitter) at the next boundary.
 */
export class PacketCounter {
  /** 0: at a packet boundary; 1: reading the remaining length; 2: in the body. */
  private phase = 0;
  private length = 0;
  private shift = 1;
  private left = 0;

  get atBoundary(): boolean {
    return this.phase === 0;
  }

  /** Packets completed by `chunk` (from `from`, up to `to`). */
  count(chunk: Buffer, from = 0, to = chunk.length): number {
    let n = 0;
    let i = from;
    while (i < to) {
      if (this.phase === 0) {
        this.phase = 1;
        this.length = 0;
        this.shift = 1;
        i++;
      } else if (this.phase === 1) {
        const b = chunk[i++];
        this.length += (b & 0x7f) * this.shift;
        this.shift *= 128;
        // At most four length bytes (MQTT 3.1.1 §2.2.3); a fifth ends the field regardless.
        if ((b & 0x80) === 0 || this.shift > 128 ** 4) {
          if (this.length === 0) {
            n++;
            this.phase = 0;
          } else {
            this.left = this.length;
            this.phase = 2;
          }
        }
      } else {
        const take = Math.min(this.left, to - i);
        this.left -= take;
        i += take;
        if (this.left === 0) {
          n++;
          this.phase = 0;
        }
      }
    }
    return n;
  }

  /** Where the packet under way ends in `chunk` (0 at a boundary; chunk.length if it goes on), consuming up to there. */
  finish(chunk: Buffer): number {
    let i = 0;
    while (this.phase !== 0 && i < chunk.length) {
      if (this.phase === 2) {
        const take = Math.min(this.left, chunk.length - i);
        this.count(chunk, i, i + take);
        i += take;
      } else this.count(chunk, i, ++i);
    }
    return i;
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
