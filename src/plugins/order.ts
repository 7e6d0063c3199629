import { bind } from './bind/setup.js'
import { kubernetes } from './kubernetes/setup.js'
import type { PluginDefinition } from './plugin.js'

/**
 * Every directive, in the order the chain runs them, whatever order a Corefile writes them in.
 * Server-wide directives (bind) come first and add no link to the chain. The contract's full order
 * is errors → log → loadbalance → rewrite → autopath → cache → hosts → kubernetes → loop → forward;
 * a new plugin goes into its place here.
 */
export const PLUGINS: readonly PluginDefinition[] = [bind, kubernetes]
