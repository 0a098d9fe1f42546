/**
 * The module's packet-id sequence on its own: what a session of 65535+ requests would
 * take minutes to show through AT commands.
 */
import { ModuleIds } from '../../src/commands/mqtt/session';

describe('ModuleIds (the SUB/PUB/UNSUB packet-id sequence)', () => {
  it('counts from 1, wraps after 65535 to 1, and skips ids still in flight', () => {
    const ids = new ModuleIds();
    expect([ids.allocate(), ids.allocate(), ids.allocate()]).toEqual([1, 2, 3]);
    ids.deallocate(1); // acked
    const wrong: number[] = [];
    for (let n = 4; n <= 65535; n++) {
      if (ids.allocate() !== n) wrong.push(n);
      ids.deallocate(n);
    }
    expect(wrong).toEqual([]);
    // 2 and 3 are still waiting for their acks: after the wrap, 1 then 4.
    expect([ids.allocate(), ids.allocate()]).toEqual([1, 4]);
    expect(ids.getLastAllocated()).toBe(4);
  });

  it('numbers a QoS 0 publish in the same sequence without holding its id', () => {
    const ids = new ModuleIds();
    expect(ids.allocate()).toBe(1); // a QoS 1 publish, still waiting for its PUBACK
    expect(ids.unacknowledgedId()).toBe(2);
    expect(ids.register(2)).toBe(true); // 2 was never held
    ids.deallocate(2);
    expect(ids.allocate()).toBe(3);
    // Around the wrap, number() skips what is still in flight (1 and 3) as allocate() does.
    for (let n = 4; n <= 65535; n++) ids.unacknowledgedId();
    expect([ids.unacknowledgedId(), ids.unacknowledgedId()]).toEqual([2, 4]);
  });

  it('starts over at 1 on clear() (mqtt.js calls it on every CONNACK)', () => {
    const ids = new ModuleIds();
    ids.allocate();
    ids.allocate();
    ids.clear();
    expect(ids.allocate()).toBe(1);
  });

  it('answers null when all 65535 ids are in flight', () => {
    const ids = new ModuleIds();
    for (let n = 1; n <= 65535; n++) ids.allocate();
    expect(ids.allocate()).toBeNull();
    expect(ids.register(7)).toBe(false);
    ids.deallocate(7);
    expect(ids.register(7)).toBe(true);
  });
});
