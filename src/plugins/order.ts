import { autopath } from './autopath/setup.js'
import { bind } from './bind/setup.js'
import { cache } from './cache/setup.js'
import { debug } from './debug/setup.js'
import { errors } from './errors/setup.js'
import { forward } from './forward/setup.js'
import { health } from './health/setup.js'
import { hosts } from './hosts/setup.js'
import { k8sExternal } from './k8s_external/setup.js'
import { kubernetes } from './kubernetes/setup.js'
import { loadbalance } from './loadbalance/setup.js'
import { loop } from './loop/setup.js'
import { log } from './log/setup.js'
import type { PluginDefinition } from './plugin.js'
import { prometheus } from './prometheus/setup.js'
import { ready } from './ready/setup.js'
import { reload } from './reload/setup.js'
import { rewrite } from './rewrite/setup.js'

/**
 * Every directive, in the order the chain runs them, whatever order a Corefile writes them in.
 * Server-wide directives (bind, reload, debug, health, ready, prometheus) come first and add no link to
 * the chain. The contract's full order is errors → log → loadbalance → rewrite → autopath → cache →
 * hosts → k8s_external → kubernetes → loop → forward; a new plugin goes into its place here.
 */
export const PLUGINS: readonly PluginDefinition[] = [bind, reload, debug, health, ready, prometheus, errors, log, loadbalance, rewrite, autopath, cache, hosts, k8sExternal, kubernetes, loop, forward]
