import { escapeText } from '../../dns/names.js'
import type { Logger } from '../../log.js'
import { ApiStatusError } from '../../errors.js'
import { apiOutages, apiUp } from './api-metrics.js'

/** What a failed request says, briefly: the socket error code when there is one. */
function describeError(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: string; message?: string }; message?: string }
  return escapeText(typeof e?.code === 'string' ? e.code : (e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err)))
}

/**
 * Whether the API answers, shared by every watched kind, so an outage is logged once when it
 * starts and once when it ends, however many requests fail in between. A request the API
 * refuses (403, 500…) is not an outage: it is logged once per resource, with the verb and what
 * the API said, until that resource is served again.
 */
export class ApiHealth {
  private down = false
  private downSince = 0
  private readonly refused = new Set<string>()

  /** `synced`: whether there are records to answer from while the API is away. */
  constructor(
    private readonly log: Logger,
    private readonly synced: () => boolean,
  ) {}

  succeeded(resource: string): void {
    apiUp.set(1)
    this.refused.delete(resource)
    if (!this.down) return
    this.down = false
    this.log.info(`Kubernetes API reachable again after ${((Date.now() - this.downSince) / 1000).toFixed(1)}s`)
  }

  failed(err: unknown, verb: string, resource: string): void {
    if (err instanceof ApiStatusError) {
      if (this.refused.has(resource)) return
      this.refused.add(resource)
      this.log.error(`Kubernetes API refused to ${verb} ${resource} (${escapeText(err.message)}); ${this.meanwhile()}`)
      return
    }
    apiUp.set(0)
    if (this.down) return
    this.down = true
    this.downSince = Date.now()
    apiOutages.inc()
    this.log.error(`Kubernetes API unreachable (${describeError(err)}); ${this.meanwhile()}`)
  }

  private meanwhile(): string {
    return this.synced() ? 'answering from the last known records and retrying' : 'not synced yet (names not loaded get SERVFAIL); retrying'
  }
}
