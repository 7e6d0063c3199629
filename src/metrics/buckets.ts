/** `count` histogram bounds from `start`, each `factor` times the one before (Prometheus's ExponentialBuckets). */
export const exponentialBuckets = (start: number, factor: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => start * factor ** i)

/** CoreDNS's plugin.TimeBuckets: 0.25 ms to about 8 s, for request durations. */
export const TIME_BUCKETS = exponentialBuckets(0.00025, 2, 16)
