/**
 * Benchmark 6 reads the DTE process's CPU at the moment the fleet saw its last session go
 * online, from samples taken at each status poll around that moment.
 */
import { cpuAtMoment } from '../../src/bench/fleet';

describe('cpuAtMoment', () => {
  const samples: [bigint, number][] = [
    [1_000n, 0],
    [2_000n, 10],
    [4_000n, 50],
  ];

  it('interpolates between the samples either side of the moment', () => {
    expect(cpuAtMoment(samples, 1_500n)).toBe(5);
    expect(cpuAtMoment(samples, 3_000n)).toBe(30);
  });

  it('takes a sample exactly at the moment as it is', () => {
    expect(cpuAtMoment(samples, 2_000n)).toBe(10);
  });

  it('reads the last sample for a moment after every sample, the first for one before', () => {
    expect(cpuAtMoment(samples, 9_000n)).toBe(50);
    expect(cpuAtMoment(samples, 500n)).toBe(0);
  });
});
