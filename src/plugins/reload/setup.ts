import { expectArgs, expectNoBlock, parseDuration, pluginError } from '../../config/directive-args.js'
import type { PluginDefinition } from '../plugin.js'

const DEFAULT_INTERVAL_MS = 30_000
const DEFAULT_JITTER_MS = 15_000
const MIN_INTERVAL_MS = 2000

/** `reload [INTERVAL] [JITTER]`: the Corefile is checked for changes every INTERVAL ± JITTER. */
export const reload: PluginDefinition = {
  name: 'reload',
  setup(uses) {
    const d = uses[0]!
    expectArgs('reload', d, 0, 2, 'reload [INTERVAL] [JITTER]')
    expectNoBlock('reload', d)
    const duration = (text: string | undefined, fallback: number): number => {
      if (text === undefined) return fallback
      const ms = parseDuration(text)
      if (ms === null) throw pluginError('reload', d, `${text} is not a duration (like 30s)`)
      return ms
    }
    const intervalMs = duration(d.args[0], DEFAULT_INTERVAL_MS)
    const jitterMs = duration(d.args[1], DEFAULT_JITTER_MS)
    if (intervalMs < MIN_INTERVAL_MS) throw pluginError('reload', d, `interval must be at least ${MIN_INTERVAL_MS / 1000}s`)
    if (jitterMs > intervalMs / 2) throw pluginError('reload', d, 'jitter must be at most half the interval')
    return { reload: { intervalMs, jitterMs } }
  },
}
