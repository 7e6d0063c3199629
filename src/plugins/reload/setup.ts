import { durationArg, expectArgs, expectNoBlock } from '../../config/directive-args.js'
import type { PluginDefinition } from '../plugin.js'
import { ConfigError } from '../../errors.js'

const DEFAULT_INTERVAL_MS = 30_000
const DEFAULT_JITTER_MS = 15_000
const MIN_INTERVAL_MS = 2000
const MIN_JITTER_MS = 1000

/** `reload [INTERVAL] [JITTER]`: the Corefile is checked for changes every INTERVAL ± JITTER. */
export const reload: PluginDefinition = {
  name: 'reload',
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectArgs(d, 0, 2, 'reload [INTERVAL] [JITTER]')
    expectNoBlock(d)
    const intervalMs = d.args[0] === undefined ? DEFAULT_INTERVAL_MS : durationArg(d, d.args[0])
    const jitterMs = d.args[1] === undefined ? DEFAULT_JITTER_MS : durationArg(d, d.args[1])
    if (intervalMs < MIN_INTERVAL_MS) throw new ConfigError(d, `interval must be at least ${MIN_INTERVAL_MS / 1000}s`)
    if (jitterMs !== 0 && jitterMs < MIN_JITTER_MS) throw new ConfigError(d, `jitter must be 0 or at least ${MIN_JITTER_MS / 1000}s`)
    // As CoreDNS: a jitter over half the interval is cut to half (`reload 10s` checks every 10s ± 5s).
    return { reload: { intervalMs, jitterMs: Math.min(jitterMs, intervalMs / 2) } }
  },
}
