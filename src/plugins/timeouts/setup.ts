import type { Directive } from '../../config/corefile.js'
import { expectArgs, parseDuration } from '../../config/directive-args.js'
import { ConfigError } from '../../errors.js'
import type { TransportSettings } from '../../transport-settings.js'
import type { PluginDefinition } from '../plugin.js'

const NAME = 'timeouts'
const MIN_MS = 1000
const MAX_MS = 24 * 3_600_000
const FIELD = { read: 'readTimeoutMs', write: 'writeTimeoutMs', idle: 'idleTimeoutMs' } as const

/** CoreDNS's durations: a bare number is seconds, anything else a Go duration. */
function timeoutArg(o: Directive, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : parseDuration(text)
  if (ms === null) throw new ConfigError(o, `failed to parse duration '${text}'`)
  if (ms < MIN_MS || ms > MAX_MS) throw new ConfigError(o, `timeout provided '${text}' needs to be between 1 second and 24 hours`)
  return ms
}

/** `timeouts { read D; write D; idle D; maxtcpqueries N }`: CoreDNS's directive, same syntax and limits. */
export const timeouts: PluginDefinition = {
  name: NAME,
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectArgs(d, 0, 0, 'timeouts { read|write|idle DURATION; maxtcpqueries N }')
    const transport: { -readonly [K in keyof TransportSettings]?: TransportSettings[K] } = {}
    for (const o of d.block ?? []) {
      expectArgs(o, 1, 1, `${o.name} VALUE`)
      const value = o.args[0]!
      if (o.name === 'maxtcpqueries') {
        if (!/^-?\d+$/.test(value)) throw new ConfigError(o, `invalid value for maxtcpqueries '${value}'`)
        const n = Number(value)
        if (n === 0 || n < -1) throw new ConfigError(o, `maxtcpqueries provided '${n}' needs to be -1 (unlimited) or a positive integer`)
        transport.maxTcpQueries = n
      } else if (o.name === 'read' || o.name === 'write' || o.name === 'idle') {
        transport[FIELD[o.name]] = timeoutArg(o, value)
      } else {
        throw new ConfigError(o, `unknown option: '${o.name}'`)
      }
    }
    if (Object.keys(transport).length === 0) throw new ConfigError(d, 'timeouts block with no timeouts specified')
    return { transport }
  },
}
