import { expectArgs, expectNoBlock } from '../../config/directive-args.js'
import { canonicalIP } from '../../dns/address.js'
import type { PluginDefinition } from '../plugin.js'
import { ConfigError } from '../../errors.js'

/** `bind ADDRESS…`: the addresses a server block listens on (default: all). */
export const bind: PluginDefinition = {
  name: 'bind',
  setup(uses) {
    const listenAddresses = uses.flatMap((d) => {
      expectArgs(d, 1, Infinity, 'bind ADDRESS…')
      expectNoBlock(d)
      return d.args.map((text) => {
        const ip = canonicalIP(text)
        if (ip === null) throw new ConfigError(d, `${text} is not an IP address`)
        return ip
      })
    })
    return { listenAddresses: [...new Set(listenAddresses)] }
  },
}
