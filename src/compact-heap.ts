import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

type Collect = (options: { type: 'major'; execution: 'sync' | 'async'; flavor?: 'last-resort' }) => void
let collect: Collect | null = null

/** A byte count as whole MiB, as the compaction lines print it. */
export const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`

/** V8's `gc`, made available once on first use. */
function collector(): Collect {
  if (collect === null) {
    // `gc` is only given to contexts made after the flag is set; the main one stays as it was.
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as Collect
  }
  return collect
}

/**
 * A regular major collection (V8 picks which pages to compact), run from a task right after this
 * returns: it stops the process like any major collection, ~60 ms at 150,000 watched Pods.
 */
export function collectSoon(): void {
  collector()({ type: 'major', execution: 'async' })
}

/**
 * A regular major collection, now: what is dead is freed, and the external memory of dead Buffers
 * with it. Forced from here, it deoptimizes the hot path as `compactHeap` does, though it does not
 * move what lives. Returns V8's heap as it is after: committed and in use.
 */
export function collectNow(): { total: number; used: number } {
  collector()({ type: 'major', execution: 'sync' })
  const { total_heap_size: total, used_heap_size: used } = getHeapStatistics()
  return { total, used }
}

/**
 * One compacting collection, as V8 does when told memory is low; returns a line saying what it did.
 * Besides the pause, it costs the optimized code: it clears what optimized code holds weakly, so
 * every hot function is deoptimized (`--trace-deopt`: "embedded weak objects cleared") and compiled
 * again as it runs: 10–20 ms of stalls in the first ~0.3 s of the next load, on one core.
 * A sync leaves hundreds of MiB of parsed JSON behind in pages V8 keeps, half empty, long after
 * (231 MiB of RSS for 94 MiB of live heap at 150,000 watched Pods): this moves what lives together
 * and returns the rest (175 MiB). It stops the process for ~200 ms per 100 MiB of live heap (queries
 * wait in the socket buffers), so it runs only after a full list and after a burst of queries.
 */
export function compactHeap(): string {
  const before = getHeapStatistics().total_heap_size
  const began = performance.now()
  collector()({ type: 'major', execution: 'sync', flavor: 'last-resort' })
  return `heap compacted from ${mib(before)} to ${mib(getHeapStatistics().total_heap_size)} in ${(performance.now() - began).toFixed(0)}ms`
}
