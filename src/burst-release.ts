/**
 * Memory that a burst of queries for one-off names (random labels, a scan) fills and nobody asks
 * for again: the answer caches, the kubernetes lookup memo. Each holder registers how to let go of
 * it; once a burst has passed, the server calls `releaseAfterBurst` before compacting the heap.
 */
const releasers = new Set<() => number>()

/** Registers `release` (returns how many entries it let go of); the returned function unregisters it. */
export function onBurstEnd(release: () => number): () => void {
  releasers.add(release)
  return () => void releasers.delete(release)
}

/** Lets every holder go; returns how many entries were let go in all. */
export function releaseAfterBurst(): number {
  let released = 0
  for (const release of releasers) released += release()
  return released
}
