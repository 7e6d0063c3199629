import { acl } from './acl/setup.js'
import { any } from './any/setup.js'
import { autopath } from './autopath/setup.js'
import { bind } from './bind/setup.js'
import { cache } from './cache/setup.js'
import { chaos } from './chaos/setup.js'
import { debug } from './debug/setup.js'
import { errors } from './errors/setup.js'
import { explain } from './explain/setup.js'
import { forward } from './forward/setup.js'
import { header } from './header/setup.js'
import { health } from './health/setup.js'
import { hosts } from './hosts/setup.js'
import { k8sExternal } from './k8s_external/setup.js'
import { kubernetes } from './kubernetes/setup.js'
import { limits } from './limits/setup.js'
import { loadbalance } from './loadbalance/setup.js'
import { log } from './log/setup.js'
import { loop } from './loop/setup.js'
import { minimal } from './minimal/setup.js'
import { nsid } from './nsid/setup.js'
import type { PluginDefinition } from './plugin.js'
import { prometheus } from './prometheus/setup.js'
import { ready } from './ready/setup.js'
import { reload } from './reload/setup.js'
import { rewrite } from './rewrite/setup.js'
import { template } from './template/setup.js'
import { timeouts } from './timeouts/setup.js'
import { whoami } from './whoami/setup.js'

/**
 * Every directive, in the order the chain runs them, whatever order a Corefile writes them in:
 * CoreDNS's plugin.cfg order. Server-wide directives (bind, timeouts, limits, reload, debug, nsid, health, ready, prometheus) add
 * no link to the chain (nor does explain, which asks the chain as a query would). The contract's order is errors → log → loadbalance → rewrite → autopath →
 * cache → hosts → k8s_external → kubernetes → loop → forward; a new plugin goes into its plugin.cfg
 * place here.
 */
export const PLUGINS: readonly PluginDefinition[] = [
  bind, timeouts, limits, reload, debug, nsid, health, ready, prometheus, explain, errors, log, any, chaos, loadbalance, rewrite, autopath, acl, cache, header,
  minimal, template, hosts, k8sExternal, kubernetes, loop, forward, whoami,
]
