import { expectArgs, expectNoBlock } from '../../config/directive-args.js'
import { Flag } from '../../dns/constants.js'
import { ConfigError } from '../../errors.js'
import type { PluginDefinition } from '../plugin.js'
import { headerMiddleware } from './handler.js'

const FLAGS: Readonly<Record<string, number>> = { aa: Flag.AA, ra: Flag.RA, rd: Flag.RD, cd: Flag.CD, ad: Flag.AD }

/**
 * `header { query|response set|clear FLAG… }`: header flags forced on the question the chain sees
 * or on the reply sent. Rules apply in the order written; the last one for a flag wins.
 */
export const header: PluginDefinition = {
  name: 'header',
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectArgs(d, 0, 0, 'header { SELECTOR ACTION FLAGS… }')
    const rules: Record<'query' | 'response', { set: number; clear: number }> = { query: { set: 0, clear: 0 }, response: { set: 0, clear: 0 } }
    for (const o of d.block ?? []) {
      expectNoBlock(o)
      const selector = o.name.toLowerCase()
      if (selector !== 'query' && selector !== 'response') throw new ConfigError(o, `invalid selector=${o.name} should be query or response`)
      expectArgs(o, 2, Infinity, `${selector} set|clear FLAG…`)
      const action = o.args[0]!.toLowerCase()
      if (action !== 'set' && action !== 'clear') throw new ConfigError(o, `unknown flag action=${o.args[0]}, should be set or clear`)
      const target = rules[selector]
      for (const name of o.args.slice(1)) {
        const bit = FLAGS[name.toLowerCase()]
        if (bit === undefined) throw new ConfigError(o, `unknown/unsupported flag=${name} (aa, ra, rd, cd, ad)`)
        // The last rule for a flag wins.
        target.set = action === 'set' ? target.set | bit : target.set & ~bit
        target.clear = action === 'clear' ? target.clear | bit : target.clear & ~bit
      }
    }
    if (rules.query.set + rules.query.clear + rules.response.set + rules.response.clear === 0) {
      throw new ConfigError(d, 'header needs at least one rule: header { response set ra }')
    }
    return { middleware: headerMiddleware(rules.query, rules.response) }
  },
}
