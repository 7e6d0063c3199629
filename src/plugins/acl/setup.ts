import { BlockList, isIPv4, isIPv6 } from 'node:net'
import type { Directive } from '../../config/corefile.js'
import { eachOption, expectNoBlock, readEach } from '../../config/directive-args.js'
import { parseZone } from '../../config/server-address.js'
import { typeNumber } from '../../dns/type-names.js'
import { ConfigError } from '../../errors.js'
import type { PluginDefinition } from '../plugin.js'
import { aclMiddleware, type AclAction, type AclPolicy, type AclRule } from './handler.js'

const ACTIONS: readonly string[] = ['allow', 'block', 'filter', 'drop']
const isSection = (word: string): boolean => /^(type|net)$/i.test(word)

/** `acl [ZONES…] { ACTION [type QTYPE…] [net SOURCE…] }`: who may ask what. */
export const acl: PluginDefinition = {
  name: 'acl',
  setup(uses, block) {
    const rules: AclRule[] = []
    readEach(uses, (d) => {
      const policies: AclPolicy[] = []
      eachOption(d, (o) => policies.push(parsePolicy(o)))
      rules.push({ zones: d.args.length > 0 ? d.args.flatMap((z) => parseZone(z, d)) : [...block.zones], policies })
    })
    return { middleware: aclMiddleware(rules) }
  },
}

function parsePolicy(o: Directive): AclPolicy {
  expectNoBlock(o)
  const action = o.name.toLowerCase()
  if (!ACTIONS.includes(action)) throw new ConfigError(o, `unexpected token '${o.name}'; expect 'allow', 'block', 'filter' or 'drop'`)
  let types: Set<number> | null = null
  let nets: BlockList | null = null
  for (let i = 0; i < o.args.length; ) {
    const section = o.args[i]!.toLowerCase()
    if (!isSection(section)) throw new ConfigError(o, `unexpected token '${o.args[i]}'; expect 'type | net'`)
    let end = i + 1
    while (end < o.args.length && !isSection(o.args[end]!)) end++
    const tokens = o.args.slice(i + 1, end)
    if (tokens.length === 0) throw new ConfigError(o, `no token specified in '${section}' section`)
    i = end
    if (section === 'type') {
      types ??= new Set()
      for (const token of tokens) {
        if (token === '*') {
          types = null
          break
        }
        types.add(typeNumber(token) ?? fail(o, `unexpected token '${token}'; expect legal QTYPE`))
      }
      if (types === null) continue
    } else {
      if (tokens.includes('*')) {
        nets = null
        continue
      }
      nets ??= new BlockList()
      for (const token of tokens) addNet(nets, token, o)
    }
  }
  return { action: action as AclAction, types, nets }
}

/** A CIDR, or a single address (as /32 or /128). */
function addNet(nets: BlockList, token: string, o: Directive): void {
  const [address = '', prefixText] = token.split('/')
  const v4 = isIPv4(address)
  if (!v4 && !isIPv6(address)) fail(o, `illegal CIDR notation '${token}'`)
  const max = v4 ? 32 : 128
  const prefix = prefixText === undefined ? max : /^\d+$/.test(prefixText) && Number(prefixText) <= max ? Number(prefixText) : fail(o, `illegal CIDR notation '${token}'`)
  nets.addSubnet(address, prefix, v4 ? 'ipv4' : 'ipv6')
}

function fail(at: Directive, message: string): never {
  throw new ConfigError(at, message)
}
