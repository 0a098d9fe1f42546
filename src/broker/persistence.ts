/**
 * The embedded broker's persistence: aedes's own default (aedes-persistence's in-memory
 * store, the same version aedes would make for itself), given to aedes through its
 * public `persistence` option, two of its streams made cheap when they are empty. On
 * every CONNECT aedes streams the client's offline queue (`outgoingStream`) into a
 * `stream.pipeline`; the default makes
 * that source with `Readable.from` over a copy of the queue, an async-iteration stream,
 * even when nothing was ever queued for the client, which is every connection of a clean
 * session. Such a client gets a plain object-mode stream that ends when read: the same
 * nothing, a few microseconds and about a kilobyte of garbage less per CONNECT (a
 * 10 000-modem fleet's bring-up: bench/README.md).
 *
 * Packets enter a client's queue only through `outgoingEnqueue` and `outgoingEnqueueCombi`
 * (messages for a persistent session while it is offline, and QoS 1/2 ones for a
 * persistent session about to be delivered), so a client id seen by neither has an
 * empty queue. A client id once seen keeps the default stream from then on.
 *
 * Likewise on every SUBSCRIBE aedes reads the retained messages matching its filters
 * (`createRetainedStreamCombi`); the default builds a topic matcher per filter and a
 * `Readable.from` over a generator even when nothing is retained. The store keeps a
 * retained message per topic (`storeRetained`; an empty payload removes it), so the
 * topics it holds are known here, and with none the stream is the ended one.
 */
import { Readable } from 'node:stream';
import type { AedesPersistence } from 'aedes-persistence';

type Enqueue = AedesPersistence['outgoingEnqueue'];
type EnqueueCombi = AedesPersistence['outgoingEnqueueCombi'];

/** A stream with nothing in it, ending when first read (as a stream over an empty queue or no retained message does). */
function emptyQueue(): Readable {
  return new Readable({
    objectMode: true,
    read() {
      this.push(null);
    },
  });
}

/** aedes-persistence's memory store, whose outgoingStream() is an ended stream for a client that never had a packet queued, and createRetainedStreamCombi() one while nothing is retained. */
export function memoryPersistence(): AedesPersistence {
  // Loaded with aedes, on the broker's first connection (broker/embedded.ts).
  const store = (require('aedes-persistence') as () => AedesPersistence)();
  const queued = new Set<string>();
  const enqueue: Enqueue = store.outgoingEnqueue;
  const enqueueCombi: EnqueueCombi = store.outgoingEnqueueCombi;
  const stream = store.outgoingStream;
  const retained = new Set<string>();
  const storeRetained = store.storeRetained;
  const retainedCombi = store.createRetainedStreamCombi;
  // The store keeps its state in private fields: its own methods are called on it.
  store.outgoingEnqueue = function (sub, packet, cb) {
    queued.add(sub.clientId);
    return enqueue.call(this, sub, packet, cb);
  };
  store.outgoingEnqueueCombi = function (subs, packet, cb) {
    for (const sub of subs) queued.add(sub.clientId);
    return enqueueCombi.call(this, subs, packet, cb);
  };
  store.outgoingStream = function (client) {
    return queued.has(client.id) ? stream.call(this, client) : emptyQueue();
  };
  store.storeRetained = function (packet, cb) {
    // The store's own rule: an empty payload clears the topic's retained message.
    // (Only PUBLISH packets are retained.)
    const { topic, payload } = packet as { topic: string; payload: Buffer | string };
    if (payload.length === 0) retained.delete(topic);
    else retained.add(topic);
    return storeRetained.call(this, packet, cb);
  };
  store.createRetainedStreamCombi = function (patterns) {
    return retained.size > 0 ? retainedCombi.call(this, patterns) : emptyQueue();
  };
  return store;
}
