/**
 * The test helpers' waits fail loudly: settle() rejects when the modem never goes quiet
 * (it used to give up after a number of event-loop turns and let the test go on), and
 * until() names what it waited for.
 */
import { extraCommandsDte, readyDte, type Dte } from '../helpers/dte';
import { until } from '../helpers/wait';

let dte: Dte | undefined;
afterEach(async () => {
  await dte?.close();
  dte = undefined;
});

it('settle() rejects when a line never finishes, instead of returning as if it had', async () => {
  dte = await extraCommandsDte([{ name: '+HANG', exec: () => new Promise<void>(() => undefined) }]);
  dte.write('AT+HANG\r');
  await expect(dte.settle(300)).rejects.toThrow(/^settle: the modem did not go quiet within 300 ms \(a line running: true; \d+ bytes received\)$/);
});

it('settle() rejects while bytes keep coming', async () => {
  const d = await readyDte();
  dte = d;
  const timer = setInterval(() => d.modem.urc('+TICK'), 1);
  try {
    await expect(d.settle(300)).rejects.toThrow(/^settle: the modem did not go quiet within 300 ms \(a line running: false; \d+ bytes received\)$/);
  } finally {
    clearInterval(timer);
  }
});

it('settle() waits for a line that takes its time on the real clock', async () => {
  dte = await extraCommandsDte([{ name: '+SLOW', exec: () => new Promise<void>((r) => setTimeout(r, 50)) }]);
  dte.write('AT+SLOW\r');
  await dte.settle();
  expect(dte.sinceMark()).toBe('\r\nOK\r\n');
});

it('until() resolves once the condition holds and names what it waited for when it does not', async () => {
  let n = 0;
  await until(() => ++n >= 3, 1000, 'three polls', 1);
  expect(n).toBe(3);
  await expect(until(() => false, 50, 'the impossible')).rejects.toThrow('timed out after 50 ms waiting for the impossible');
});
