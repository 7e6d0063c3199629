import { byteSizeArg, expectArgs, wholeNumberArg } from '../../config/directive-args.js'
import { ConfigError } from '../../errors.js'
import type { TransportSettings } from '../../transport-settings.js'
import type { PluginDefinition } from '../plugin.js'

const NAME = 'limits'

/** `limits { tcp_connections N; udp_receive_buffer SIZE }`: what the block's listeners hold at most. */
export const limits: PluginDefinition = {
  name: NAME,
  once: true,
  setup(uses) {
    const d = uses[0]!
    expectArgs(d, 0, 0, 'limits { tcp_connections N; udp_receive_buffer SIZE }')
    const transport: { -readonly [K in keyof TransportSettings]?: TransportSettings[K] } = {}
    for (const o of d.block ?? []) {
      expectArgs(o, 1, 1, `${o.name} VALUE`)
      if (o.name === 'tcp_connections') {
        const n = wholeNumberArg(o, o.args[0], 'N')
        if (n < 1) throw new ConfigError(o, 'tcp_connections must be at least 1')
        transport.maxTcpConnections = n
      } else if (o.name === 'udp_receive_buffer') {
        transport.udpReceiveBuffer = byteSizeArg(o, o.args[0])
      } else {
        throw new ConfigError(o, `unknown option: '${o.name}'`)
      }
    }
    if (Object.keys(transport).length === 0) throw new ConfigError(d, 'limits block with no limits specified')
    return { transport }
  },
}
