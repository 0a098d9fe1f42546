/**
 * Seeded randomness: jitter, packet loss, garbled bytes and random fault schedules must
 * repeat exactly for the same seed, so a failing CI run can be replayed. Each consumer
 * takes its own stream (`seededRandom(seed, 'jitter')`), so adding a fault does not
 * shift the jitter of every later delay.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

/** FNV-1a of the label, so streams of one seed differ. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * mulberry32: tiny, fast, good enough for test schedules (not for secrets). A class, so
 * each stream is one small object (a modem takes three) rather than three closures.
 */
class Mulberry32 implements Random {
  constructor(private a: number) {}

  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }
}

export function seededRandom(seed: number, label = ''): Random {
  return new Mulberry32((seed ^ hashLabel(label)) >>> 0);
}

/** The seed when none is given: runs repeat unless asked to vary (`--seed`). */
export const DEFAULT_SEED = 1;
