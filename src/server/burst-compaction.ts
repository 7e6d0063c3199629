import { releaseAfterBurst } from '../burst-release.js'
import { compactHeap, mib } from '../compact-heap.js'
import { createLogger } from '../log.js'

/** Datagrams and TCP frames received: counted by the listeners, read once a second. */
export const received = { count: 0 }

/** A second with at least this many queries is a burst; one with a tenth of the burst's peak is quiet. */
const BURST_PER_SECOND = 2000
const QUIET_SHARE = 0.1
/** Grown by more than this since the last settled size, RSS is worth a compaction once it is quiet. */
const GROWTH = 1.1

const log = createLogger('')

/**
 * After a burst of queries, once the load has fallen: what the burst's one-off names filled is let
 * go (`burst-release.ts`), then one compacting collection. A burst grows V8's heap, and an idle
 * process runs no collection that would return it (bench:hostile: 1.32× its RSS before, 10 s after
 * a flood); this returns it, paying the pause while there is little to delay.
 */
export class BurstCompaction {
  private timer: NodeJS.Timeout | null = null
  private last = received.count
  private peak = 0
  private settledRss = process.memoryUsage.rss()

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
    if (this.peak < BURST_PER_SECOND || perSecond > this.peak * QUIET_SHARE) return
    this.peak = 0
    const shed = `${releaseAfterBurst()} entries kept for one-off names let go`
    const rss = process.memoryUsage.rss()
    if (rss > this.settledRss * GROWTH) log.debug(`after a burst of queries: ${shed}, ${compactHeap()}`)
    else log.debug(`after a burst of queries: ${shed}; RSS ${mib(rss)} is within ${GROWTH}× of ${mib(this.settledRss)}, not compacted`)
    this.settledRss = process.memoryUsage.rss()
  }
}
