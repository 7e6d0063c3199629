import { escapeText } from '../../dns/names.js'
import type { Logger } from '../../log.js'
import { apiOutages, apiUp } from './api-metrics.js'

/** What an error from the client says, briefly (the socket error code when there is one), escaped for a log line. */
export function describeError(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: string; message?: string }; message?: string }
  if (typeof e?.code === 'number') return `HTTP ${e.code}`
  return escapeText(e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err))
}

/**
 * Whether the API answers, shared by every watched kind, so an outage is logged once when it
 * starts and once when it ends, however many requests fail in between.
 */
export class ApiHealth {
  private down = false
  private downSince = 0

  constructor(private readonly log: Logger) {}

  succeeded(): void {
    apiUp.set(1)
    if (!this.down) return
    this.down = false
    this.log.info(`Kubernetes API reachable again after ${((Date.now() - this.downSince) / 1000).toFixed(1)}s`)
  }

  failed(err: unknown): void {
    apiUp.set(0)
    if (this.down) return
    this.down = true
    this.downSince = Date.now()
    apiOutages.inc()
    this.log.error(`Kubernetes API unreachable (${describeError(err)}); answering from the last known records and retrying`)
  }
}
