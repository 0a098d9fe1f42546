/**
 * A latency histogram that merges exactly: shard results (src/fleet/result.ts) carry one
 * each, and the whole fleet's percentiles come from their sum, never from averaging each
 * shard's percentiles (the p99 of two shards is not the mean of their p99s).
 *
 * Buckets grow geometrically: bucket k ≥ 1 holds values in [LOW·G^(k−1), LOW·G^k), bucket 0
 * everything below LOW. Every process computes a value's bucket the same way, so adding
 * the counts of two histograms gives the histogram of both sets of samples. A percentile
 * is read as its bucket's geometric middle, within 1 % of the true sample, clamped to the
 * exact minimum and maximum (which merge exactly too).
 */

/** Values are milliseconds; the smallest bucket's edge is 1 µs. */
export const HISTOGRAM_LOW_MS = 0.001;
/** Each bucket is 2 % wider than the last: a percentile within √1.02 − 1 < 1 % of the sample. */
export const HISTOGRAM_GROWTH = 1.02;

/** A histogram as it is written to a result file. */
export interface HistogramJson {
  unit: 'ms';
  low: number;
  growth: number;
  count: number;
  /** Sum of every sample (for the mean). */
  sum: number;
  min: number | null;
  max: number | null;
  /** Bucket index → samples in it; buckets with none are left out. */
  buckets: Record<string, number>;
}

const LOG_G = Math.log(HISTOGRAM_GROWTH);

export function bucketOf(ms: number): number {
  return ms < HISTOGRAM_LOW_MS ? 0 : 1 + Math.floor(Math.log(ms / HISTOGRAM_LOW_MS) / LOG_G);
}

/** The value a bucket stands for: the geometric middle of its bounds. */
export function bucketValue(k: number): number {
  return k === 0 ? HISTOGRAM_LOW_MS / 2 : HISTOGRAM_LOW_MS * HISTOGRAM_GROWTH ** (k - 1) * Math.sqrt(HISTOGRAM_GROWTH);
}

export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const k = bucketOf(ms);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** Adds another histogram's samples to this one. */
  add(other: Histogram): this {
    for (const [k, n] of other.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + n);
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    return this;
  }

  /** The value below which a fraction p of the samples lie (nearest rank); null without samples. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.min(this.count, Math.max(1, Math.ceil(p * this.count)));
    let seen = 0;
    for (const k of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(k)!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketValue(k)));
    }
    return this.max;
  }

  /** Bucket index → count, lowest first. */
  buckets(): [number, number][] {
    return [...this.counts.entries()].sort((a, b) => a[0] - b[0]);
  }

  toJSON(): HistogramJson {
    return {
      unit: 'ms',
      low: HISTOGRAM_LOW_MS,
      growth: HISTOGRAM_GROWTH,
      count: this.count,
      sum: this.sum,
      min: this.count ? this.min : null,
      max: this.count ? this.max : null,
      buckets: Object.fromEntries(this.buckets().map(([k, n]) => [String(k), n])),
    };
  }

  /** Reads a histogram written by toJSON(); throws when its buckets are not this build's. */
  static fromJSON(j: HistogramJson): Histogram {
    if (j.unit !== 'ms' || j.low !== HISTOGRAM_LOW_MS || j.growth !== HISTOGRAM_GROWTH) {
      throw new Error(`a histogram with other buckets (unit ${j.unit}, low ${j.low}, growth ${j.growth}; this build: ms, ${HISTOGRAM_LOW_MS}, ${HISTOGRAM_GROWTH})`);
    }
    const h = new Histogram();
    let total = 0;
    for (const [k, n] of Object.entries(j.buckets)) {
      const idx = Number(k);
      if (!Number.isInteger(idx) || idx < 0 || !Number.isInteger(n) || n < 0) throw new Error(`a histogram bucket "${k}": ${n} is not a bucket index and a count`);
      h.counts.set(idx, n);
      total += n;
    }
    if (total !== j.count) throw new Error(`a histogram whose buckets hold ${total} samples but says ${j.count}`);
    h.count = j.count;
    h.sum = j.sum;
    h.min = j.min ?? Infinity;
    h.max = j.max ?? -Infinity;
    return h;
  }
}
