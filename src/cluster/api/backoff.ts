/** Exponential backoff with jitter, as grpc-js's BackoffTimeout: 0.5s × 1.6ⁿ up to 30s, ±20%. */
export interface BackoffOptions {
  readonly initialMs?: number
  readonly maxMs?: number
  readonly multiplier?: number
  readonly jitter?: number
}

export class Backoff {
  private readonly initialMs: number
  private readonly maxMs: number
  private readonly multiplier: number
  private readonly jitter: number
  private nextBaseMs: number

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500
    this.maxMs = options.maxMs ?? 30_000
    this.multiplier = options.multiplier ?? 1.6
    this.jitter = options.jitter ?? 0.2
    this.nextBaseMs = this.initialMs
  }

  /** The delay before the next attempt; each call grows the one after. */
  next(): number {
    const base = this.nextBaseMs
    this.nextBaseMs = Math.min(base * this.multiplier, this.maxMs)
    return Math.round(base * (1 + this.jitter * (Math.random() * 2 - 1)))
  }

  /** After a success, the next failure waits the initial delay again. */
  reset(): void {
    this.nextBaseMs = this.initialMs
  }
}
