import { expectNoBlock } from '../../config/directive-args.js'
import { RRClass } from '../../dns/constants.js'
import { packageVersion } from '../../version.js'
import type { PluginDefinition } from '../plugin.js'
import { chaosMiddleware, trim } from './handler.js'

const DEFAULT_AUTHORS = ['clusterdns']

/**
 * `chaos [VERSION] [AUTHORS…]`: who and what this server is, over CH TXT. VERSION defaults to
 * `clusterdns-<version>`; authors given are answered sorted and without repeats.
 */
export const chaos: PluginDefinition = {
  name: 'chaos',
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectNoBlock(d)
    const version = d.args[0] ?? `clusterdns-${packageVersion()}`
    const authors = d.args.length > 1 ? [...new Set(d.args.slice(1).map(trim))].sort() : DEFAULT_AUTHORS
    return { middleware: chaosMiddleware(trim(version), authors), classes: [RRClass.CH] }
  },
}
