import { durationArg, expectArgs, expectNoBlock, pluginError } from '../../config/directive-args.js'
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
    const intervalMs = d.args[0] === undefined ? DEFAULT_INTERVAL_MS : durationArg('reload', d, d.args[0])
    const jitterMs = d.args[1] === undefined ? DEFAULT_JITTER_MS : durationArg('reload', d, d.args[1])
    if (intervalMs < MIN_INTERVAL_MS) throw pluginError('reload', d, `interval must be at least ${MIN_INTERVAL_MS / 1000}s`)
    if (jitterMs > intervalMs / 2) throw pluginError('reload', d, 'jitter must be at most half the interval')
    return { reload: { intervalMs, jitterMs } }
  },
}
