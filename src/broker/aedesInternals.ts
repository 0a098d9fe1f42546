/**
 * The two aedes internals the emulator needs, reached here and nowhere else, because
 * aedes 0.51 has no public API for them:
 * - a connection's next packet id (`_nextId`): aedes starts each connection at a random
 *   number, while mosquitto and the SIM800 application note's capture (`+SMPUBLISH: 1,…`)
 *   start at 1; the hub stand-in also replays a capture's ids;
 * - the connected clients by id (`clients`), with their subscriptions: the hub stand-in
 *   checks that a device subscribed before it delivers a cloud-to-device message.
 * An aedes upgrade that renames them breaks the tests of both (mqtt/broker, azure/hub).
 */
import type { Client } from 'aedes';

type Aedes = import('aedes').default;

interface ClientInternals {
  _nextId: number;
  subscriptions?: Record<string, unknown>;
}

/** Sets the packet id the broker gives its next packet to this client. */
export function setNextPacketId(client: Client, id: number): void {
  (client as unknown as ClientInternals)._nextId = id;
}

/** The connected client with this id, if any. */
export function connectedClient(aedes: Aedes, id: string): Client | undefined {
  return (aedes as unknown as { clients: Record<string, Client | undefined> }).clients[id];
}

/** Whether a connected client holds a subscription with exactly this filter. */
export function hasSubscription(client: Client | undefined, filter: string): boolean {
  return !!(client as unknown as ClientInternals | undefined)?.subscriptions?.[filter];
}
