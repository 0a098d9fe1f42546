/**
 * When +HTTPACTION comes: under `instant` as soon as the response is in; under
 * `realistic` no earlier than the profile's httpActionMs after the command (virtual time),
 * with the OK at once; a profile file may change the figure.
 */
import { VirtualClock } from '../../src/clock';
import { parseProfileText, PROFILES, type TimingProfile } from '../../src/profile';
import { readyDte, type Dte } from '../helpers/dte';
import { initHttp, openBearer, reply, TestServer, untilLine } from './server';

let dte: Dte;
let server: TestServer;
afterEach(async () => {
  await dte?.close();
  await server?.close();
});

/** A profile's HTTP figure with the start-up figures at 0, so tests need not wait for boot. */
const fast = (p: TimingProfile): TimingProfile => ({ ...p, bootMs: 0, simReadyMs: 0, registerMs: 0, bearerOpenMs: 0, bearerCloseMs: 0, commandMs: 0, jitter: 0 });

async function run(profile: TimingProfile, clock?: VirtualClock): Promise<void> {
  server = await TestServer.http();
  server.route('/t', reply(200, 'ok'));
  dte = await readyDte({ map: [`api.example.com=127.0.0.1:${server.port}`], profile, clock });
  await openBearer(dte);
  await initHttp(dte, 'api.example.com/t');
  dte.mark();
  dte.write('AT+HTTPACTION=0\r');
  const req = await server.next();
  await req.closed;
  await dte.settle();
}

describe('the +HTTPACTION delay', () => {
  it('the figures: instant 0, realistic 2500 with jitter', () => {
    expect(PROFILES.instant.httpActionMs).toBe(0);
    expect(PROFILES.realistic.httpActionMs).toBe(2500);
  });

  it('instant: the URC as soon as the response is in, without the clock moving', async () => {
    const clock = new VirtualClock();
    await run(fast(PROFILES.instant), clock);
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,200,2\r\n');
    expect(clock.now()).toBe(0);
  });

  it('realistic: OK at once, the URC not before 2500 ms after the command', async () => {
    const clock = new VirtualClock();
    await run(fast(PROFILES.realistic), clock);
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    await clock.advanceAsync(2499);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    await clock.advanceAsync(1);
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,200,2\r\n');
  });

  it('a profile file sets httpActionMs', async () => {
    const p = parseProfileText('{"base":"realistic","httpActionMs":4000}', 'slow.json');
    expect(p.httpActionMs).toBe(4000);
    const clock = new VirtualClock();
    await run(fast(p), clock);
    await clock.advanceAsync(3999);
    await dte.settle();
    expect(dte.sinceMark()).toBe('\r\nOK\r\n');
    await clock.advanceAsync(1);
    expect(await untilLine(dte, '+HTTPACTION:')).toBe('\r\nOK\r\n\r\n+HTTPACTION: 0,200,2\r\n');
  });
});
