import { networkInterfaces } from 'node:os'
import type { Directive } from '../../config/corefile.js'
import { eachOption, expectArgs, expectNoBlock, readEach } from '../../config/directive-args.js'
import { canonicalIP } from '../../dns/address.js'
import type { PluginDefinition } from '../plugin.js'
import { ConfigError } from '../../errors.js'

/** A link-local IPv6 address (fe80::/10): CoreDNS binds it with its interface as zone (`fe80::1%eth0`). */
const isLinkLocal = (address: string): boolean => /^fe[89ab]/i.test(address)

/**
 * The addresses `args` name: each an IP address or, as in CoreDNS, an interface name standing for
 * every address the interface has now (read again at each reload).
 */
function addressesOf(d: Directive, args: readonly string[], interfaces: NodeJS.Dict<readonly { address: string; family: string }[]>): string[] {
  return args.flatMap((arg) => {
    const iface = interfaces[arg]
    if (iface) return iface.map(({ address, family }) => (family === 'IPv6' && isLinkLocal(address) ? `${canonicalIP(address)}%${arg}` : canonicalIP(address)!))
    const ip = canonicalIP(arg)
    if (ip === null) throw new ConfigError(d, `not a valid IP address or interface name: ${arg}`)
    return [ip]
  })
}

/** `bind ADDRESS|IFACE… { except ADDRESS|IFACE… }`: the addresses a server block listens on (default: all). */
export const bind: PluginDefinition = {
  name: 'bind',
  setup(uses) {
    const interfaces = networkInterfaces()
    const listenAddresses: string[] = []
    readEach(uses, (d) => {
      expectArgs(d, 1, Infinity, 'bind ADDRESS|IFACE…')
      const addresses = addressesOf(d, d.args, interfaces)
      // As CoreDNS: `except` applies to its own directive's addresses.
      const except = new Set<string>()
      eachOption(d, (o) => {
        expectNoBlock(o)
        if (o.name !== 'except') throw new ConfigError(o, `unknown option ${o.name}`)
        expectArgs(o, 1, Infinity, 'except ADDRESS|IFACE…')
        for (const address of addressesOf(o, o.args, interfaces)) except.add(address)
      })
      listenAddresses.push(...addresses.filter((a) => !except.has(a)))
    })
    // CoreDNS would silently serve nothing for this block.
    if (listenAddresses.length === 0) throw new ConfigError(uses[0]!, 'every address is excepted: the server block would listen nowhere')
    return { listenAddresses: [...new Set(listenAddresses)] }
  },
}
