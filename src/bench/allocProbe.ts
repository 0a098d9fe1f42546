/**
 * Preloaded (`node -r dist/bench/allocProbe.js dist/cli/main.js ...`) into an emulator the
 * bench forked with an IPC channel: counts the bytes the process allocates on the V8 heap
 * between `alloc-start` and `alloc-stop`, from the heap's size before and after each
 * garbage collection (v8.GCProfiler): what every collection found plus what was added
 * since the last one. The emulator itself is not touched.
 */
import * as v8 from 'node:v8';

interface GcStat {
  gcType: string;
  cost: number;
  beforeGC: { heapStatistics: { usedHeapSize: number } };
  afterGC: { heapStatistics: { usedHeapSize: number } };
}

let profiler: v8.GCProfiler | null = null;
let startUsed = 0;

const used = () => v8.getHeapStatistics().used_heap_size;

process.on('message', (m: { op?: string }) => {
  if (m?.op === 'alloc-start') {
    profiler?.stop();
    profiler = new v8.GCProfiler();
    profiler.start();
    startUsed = used();
    process.send!({ ok: true });
  } else if (m?.op === 'alloc-stop') {
    const endUsed = used();
    const result = profiler?.stop() as { statistics: GcStat[] } | undefined;
    profiler = null;
    const stats = result?.statistics ?? [];
    let bytes = 0;
    let after = startUsed;
    let gcMs = 0;
    for (const s of stats) {
      bytes += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - after);
      after = s.afterGC.heapStatistics.usedHeapSize;
      gcMs += s.cost / 1000;
    }
    bytes += Math.max(0, endUsed - after);
    process.send!({ bytes, gcs: stats.length, gcMs });
  }
});
// The channel must not keep the emulator alive once it wants to exit.
process.channel?.unref();
