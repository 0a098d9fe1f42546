/**
 * The AT log's ring: once full, the newest entries replace the oldest and read() still
 * returns them oldest first, with `since` and `limit` as before.
 */
import { EventEmitter } from 'node:events';
import { AtLog } from '../../src/control/atLog';
import { Modem } from '../../src/modem/modem';
import { VirtualClock } from '../../src/clock';

/** An emitter with a clock and the modem's own recording methods: what AtLog uses of a modem. */
function fakeModem(): Modem {
  const { addAtRecorder, recordAt } = Modem.prototype;
  return Object.assign(new EventEmitter(), { clock: new VirtualClock(), atRecorders: [], addAtRecorder, recordAt }) as unknown as Modem;
}

describe('the AT log ring', () => {
  it('keeps the newest `capacity` entries in order', () => {
    const modem = fakeModem();
    const log = new AtLog(modem, 3);
    for (let i = 1; i <= 7; i++) modem.recordAt('cmd', `AT+N=${i}`, 'OK', undefined, 0);
    expect(log.read().map((e) => e.seq)).toEqual([5, 6, 7]);
    expect(log.read().map((e) => e.line)).toEqual(['AT+N=5', 'AT+N=6', 'AT+N=7']);
    expect(log.read(5).map((e) => e.seq)).toEqual([6, 7]);
    expect(log.read(0, 2).map((e) => e.seq)).toEqual([6, 7]);
    expect(log.last).toBe(7);
  });

  it('reads in order before it is full and exactly at the wrap', () => {
    const modem = fakeModem();
    const log = new AtLog(modem, 3);
    modem.recordAt('urc', 'RDY');
    expect(log.read().map((e) => e.line)).toEqual(['RDY']);
    for (let i = 0; i < 5; i++) modem.recordAt('urc', `U${i}`);
    expect(log.read().map((e) => e.line)).toEqual(['U2', 'U3', 'U4']);
  });

  it('gives each entry the modem-clock time it was recorded at, across the wrap', () => {
    const modem = fakeModem();
    const clock = modem.clock as VirtualClock;
    const log = new AtLog(modem, 2);
    for (let i = 0; i < 5; i++) {
      modem.recordAt('cmd', `AT+N=${i}`, 'OK', undefined, 0);
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

  it("the 'at' event still hands each record to its listeners, as the log stores it", () => {
    const modem = fakeModem();
    const log = new AtLog(modem, 4);
    const seen: unknown[] = [];
    (modem as unknown as EventEmitter).on('at', (r) => seen.push(r));
    modem.recordAt('cmd', 'AT+CGMI', 'OK', ['SIMCOM_Ltd'], 3);
    modem.recordAt('urc', '+CPIN: READY');
    expect(seen).toStrictEqual([
      { dir: 'cmd', line: 'AT+CGMI', final: 'OK', info: ['SIMCOM_Ltd'], ms: 3 },
      { dir: 'urc', line: '+CPIN: READY' },
    ]);
    expect(log.read()).toStrictEqual([
      { dir: 'cmd', line: 'AT+CGMI', final: 'OK', info: ['SIMCOM_Ltd'], ms: 3, seq: 1, t: 0 },
      { dir: 'urc', line: '+CPIN: READY', seq: 2, t: 0 },
    ]);
  });
});
