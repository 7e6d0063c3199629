import { getHeapStatistics } from 'node:v8'
import { releaseAfterBurst } from '../burst-release.js'
import { collectNow, compactHeap, mib } from '../compact-heap.js'
import { createLogger } from '../log.js'

/** Datagrams and TCP frames received: counted by the listeners, read once a second. */
export const received = { count: 0 }

/** A second with at least this many queries is a burst; one with a tenth of the burst's peak is quiet. */
const BURST_PER_SECOND = 2000
const QUIET_SHARE = 0.1
/**
 * Grown by more than this in a burst, V8's heap and the memory of its Buffers are worth a collection
 * once it is quiet. Any collection forced from here deoptimizes the hot path (see `compactHeap`;
 * `collectNow` does too), so a burst that grows them less is left to V8's own collections.
 */
const COLLECT_BEYOND = 16 * 2 ** 20
/**
 * Grown by more than this factor in a burst, RSS is worth a collection too, but at most once in
 * RSS_COLLECT_EVERY_MS: a flood of malformed packets grows it outside V8's heap (bench:hostile:
 * 1.32× 10 s after, left alone), and so does an ordinary burst after a collection has shrunk it,
 * which would deoptimize the hot path after every pause.
 */
const RSS_GROWTH = 1.2
const RSS_COLLECT_EVERY_MS = 10 * 60_000
/** Committed heap beyond what is live, after that collection, that is worth a compaction as well. */
const COMPACT_BEYOND = 8 * 2 ** 20

/**
 * The sizes a burst is measured by: `heap`, what a collection can return (V8's heap and the memory
 * held by Buffers and ArrayBuffers), and the process's RSS.
 */
function sizes(): { heap: number; rss: number } {
  const { total_heap_size: heap, external_memory: external } = getHeapStatistics()
  return { heap: heap + external, rss: process.memoryUsage.rss() }
}

const log = createLogger('')

/**
 * After a burst of queries, once the load has fallen: what the burst's one-off names filled is let
 * go (`burst-release.ts`); then, if the burst grew the heap by more than COLLECT_BEYOND (or RSS by
 * RSS_GROWTH, see there), a major collection, and a compacting one if the heap still keeps more
 * than COMPACT_BEYOND it does not use.
 * A flood grows V8's heap, and an idle process runs no collection that would return it
 * (bench:hostile: 1.32× its RSS before, 10 s after a flood); this returns it, paying the pause while
 * there is little to delay. Collecting after every burst made each load after a pause start on
 * deoptimized code: stalls of 10–20 ms at its start (dnsperf at half load after 5 s pauses).
 */
export class BurstCompaction {
  private timer: NodeJS.Timeout | null = null
  private last = received.count
  private peak = 0
  private settled = sizes()
  private collectedAt = -Infinity

  start(): void {
    this.timer ??= setInterval(() => this.tick(), 1000)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  private tick(): void {
    const perSecond = received.count - this.last
    this.last = received.count
    if (perSecond > this.peak) this.peak = perSecond
    // Until a burst, the sizes are where the next one starts from.
    if (this.peak < BURST_PER_SECOND) this.settled = sizes()
    if (this.peak < BURST_PER_SECOND || perSecond > this.peak * QUIET_SHARE) return
    this.peak = 0
    const shed = `${releaseAfterBurst()} entries kept for one-off names let go`
    const current = sizes()
    const grown = current.heap - this.settled.heap
    const rssGrowth = current.rss / this.settled.rss
    const now = Date.now()
    const growth = `heap and buffers grew by ${mib(Math.max(0, grown))}, RSS by ${rssGrowth.toFixed(2)}×`
    if (grown <= COLLECT_BEYOND && (rssGrowth <= RSS_GROWTH || now - this.collectedAt < RSS_COLLECT_EVERY_MS)) {
      log.debug(`after a burst of queries: ${shed}; ${growth}, not collected`)
      return
    }
    this.collectedAt = now
    const { total, used } = collectNow()
    const collected = `${growth}, collected: ${mib(used)} in use of ${mib(total)}`
    log.debug(`after a burst of queries: ${shed}, ${collected}${total - used > COMPACT_BEYOND ? `, ${compactHeap()}` : ', not compacted'}`)
  }
}
