/**
 * The embedded broker's persistence (src/broker/persistence.ts): aedes-persistence's
 * memory store whose offline-queue stream is an ended stream for a client nothing was
 * ever queued for, and whose retained-message stream is an ended one while nothing is
 * retained; the store's own streams otherwise.
 */
import type { Readable } from 'node:stream';
import type { Client } from 'aedes';
import type { AedesPacket } from 'aedes-packet';
import { memoryPersistence } from '../../src/broker/persistence';

const client = (id: string) => ({ id }) as unknown as Client;

async function drain(s: Readable): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const p of s) out.push(p);
  return out;
}

const packet = (messageId: number): AedesPacket =>
  ({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, retain: false, dup: false, messageId, brokerId: 'b', brokerCounter: messageId }) as unknown as AedesPacket;

describe('memoryPersistence', () => {
  it('streams nothing for a client nothing was queued for, and the stream ends', async () => {
    const p = memoryPersistence();
    expect(await drain(p.outgoingStream(client('fresh')))).toEqual([]);
  });

  it('streams what outgoingEnqueue queued (packets told apart by their broker counter), in order, and only for that client', async () => {
    const p = memoryPersistence();
    await new Promise<void>((r) => p.outgoingEnqueue({ clientId: 'kept' }, packet(1), () => r()));
    await new Promise<void>((r) => p.outgoingEnqueue({ clientId: 'kept' }, packet(2), () => r()));
    const got = (await drain(p.outgoingStream(client('kept')))) as { brokerCounter: number; topic: string }[];
    expect(got.map((g) => [g.topic, g.brokerCounter])).toEqual([
      ['t', 1],
      ['t', 2],
    ]);
    expect(await drain(p.outgoingStream(client('other')))).toEqual([]);
  });

  it('streams what outgoingEnqueueCombi queued for each of its subscribers', async () => {
    const p = memoryPersistence();
    await new Promise<void>((r) => p.outgoingEnqueueCombi([{ clientId: 'a' }, { clientId: 'b' }], packet(7), () => r()));
    for (const id of ['a', 'b']) expect(((await drain(p.outgoingStream(client(id)))) as { brokerCounter: number }[]).map((g) => g.brokerCounter)).toEqual([7]);
  });

  it('streams the retained messages matching the filters, none once they are cleared by an empty payload', async () => {
    const p = memoryPersistence();
    expect(await drain(p.createRetainedStreamCombi(['a/#']))).toEqual([]);
    const retain = (topic: string, payload: string) =>
      new Promise<void>((r) => p.storeRetained({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false, brokerId: 'b', brokerCounter: 1 } as unknown as AedesPacket, () => r()));
    await retain('a/b', 'kept');
    await retain('c/d', 'other');
    const got = (await drain(p.createRetainedStreamCombi(['a/#', 'x/+']))) as { topic: string; payload: Buffer }[];
    expect(got.map((g) => [g.topic, g.payload.toString()])).toEqual([['a/b', 'kept']]);
    await retain('a/b', '');
    expect(await drain(p.createRetainedStreamCombi(['a/#']))).toEqual([]);
    expect(((await drain(p.createRetainedStreamCombi(['#']))) as { topic: string }[]).map((g) => g.topic)).toEqual(['c/d']);
    await retain('c/d', '');
    expect(await drain(p.createRetainedStreamCombi(['#']))).toEqual([]);
  });
});
