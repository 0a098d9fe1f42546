/**
 * The AT log's ring: once full, the newest entries replace the oldest and read() still
 * returns them oldest first, with `since` and `limit` as before.
 */
import { EventEmitter } from 'node:events';
import { AtLog } from '../../src/control/atLog';
import type { Modem } from '../../src/modem/modem';
import { VirtualClock } from '../../src/clock';

function fakeModem(): Modem & EventEmitter {
  return Object.assign(new EventEmitter(), { clock: new VirtualClock() }) as unknown as Modem & EventEmitter;
}

describe('the AT log ring', () => {
  it('keeps the newest `capacity` entries in order', () => {
    const modem = fakeModem();
    const log = new AtLog(modem, 3);
    for (let i = 1; i <= 7; i++) modem.emit('at', { dir: 'cmd', line: `AT+N=${i}`, final: 'OK', ms: 0 });
    expect(log.read().map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(log.read().map((e) => e.line)).toEqual(['AT+N=5', 'AT+N=6', 'AT+N=7']);
    expect(log.read(5).map((e) => e.seq)).toEqual([6, 7]);
    expect(log.read(0, 2).map((e) => e.seq)).toEqual([6, 7]);
    expect(log.last).toBe(7);
  });

  it('reads in order before it is full and exactly at the wrap', () => {
    const modem = fakeModem();
    const log = new AtLog(modem, 3);
    modem.emit('at', { dir: 'urc', line: 'RDY' });
    expect(log.read().map((e) => e.line)).toEqual(['RDY']);
    for (let i = 0; i < 5; i++) modem.emit('at', { dir: 'urc', line: `U${i}` });
    expect(log.read().map((e) => e.line)).toEqual(['U2', 'U3', 'U4']);
  });

  it('gives each entry the modem-clock time it was recorded at, across the wrap', () => {
    const modem = fakeModem();
    const clock = modem.clock as VirtualClock;
    const log = new AtLog(modem, 2);
    for (let i = 0; i < 5; i++) {
      modem.emit('at', { dir: 'cmd', line: `AT+N=${i}`, final: 'OK', ms: 0 });
      clock.advance(10);
    }
    expect(log.read()).toEqual([
      { dir: 'cmd', line: 'AT+N=3', final: 'OK', ms: 0, seq: 4, t: 30 },
      { dir: 'cmd', line: 'AT+N=4', final: 'OK', ms: 0, seq: 5, t: 40 },
    ]);
    expect(log.read(0, 0)).toEqual([]);
    expect(log.read(5)).toEqual([]);
    expect(new AtLog(fakeModem(), 2).read()).toEqual([]);
  });
});
