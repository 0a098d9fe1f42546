/**
 * Waiting in tests: on a condition, with a time limit that fails loudly, never on a
 * guess of how long something takes. Every poll loop of the suite goes through here.
 */

/** Resolves after `ms` of host time (for pacing a test's own actions, never as a wait for a result). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once `cond()` holds, checking every `every` ms; rejects naming `what` when it
 * still does not after `ms` ms. The limit is generous on purpose: on a loaded machine a
 * condition that holds in 5 ms alone may take 50 times longer, and waiting more only
 * costs time in a test that is failing anyway.
 */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000, what = 'the condition', every = 5): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (performance.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}
