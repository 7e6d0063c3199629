import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { expectBare } from '../../config/directive-args.js'
import { Flag, RRType } from '../../dns/constants.js'
import { internalQuery } from '../../dns/internal-query.js'
import { queryPacket } from '../../dns/query-packet.js'
import { inAnyZone, zoneText } from '../../dns/names.js'
import { createLogger } from '../../log.js'
import type { PluginDefinition } from '../plugin.js'
import { hostPort } from '../../dns/address.js'

/** The probe coming back more often than this means it went round in a loop. */
const SEEN_LIMIT = 2
const PROBE_DELAY_MS = 200
const PROBE_TIMEOUT_MS = 5000

const log = createLogger('plugin/loop')
const randomLabel = (): string => BigInt(`0x${randomBytes(8).toString('hex')}`).toString()

/**
 * `loop`: at start, asks the server itself `<random>.<random>.<zone> HINFO`. If that query comes
 * back to the server more than twice, forward sends it back here (its upstream is this server,
 * often through /etc/resolv.conf): the server stops with a message saying what to fix.
 */
export const loop: PluginDefinition = {
  name: 'loop',
  once: true,
  setup(uses, block) {
    expectBare(uses[0]!)
    const zone = block.zones[0] ?? ''
    const probe = zone === '' ? `${randomLabel()}.${randomLabel()}` : `${randomLabel()}.${randomLabel()}.${zone}`
    let seen = 0
    let target = ''
    return {
      middleware: (next) => (query) => {
        if (query.type === RRType.HINFO && query.lowerName === probe && ++seen > SEEN_LIMIT) {
          block.lifecycle.fatal(
            `plugin/loop: Loop (${target} -> ${target}) detected for zone "${zoneText(zone)}": the query "HINFO ${probe}." ` +
              'came back to this server through forward. Its upstream (the forward directive, or the nameserver in the ' +
              'resolv.conf it reads, e.g. 127.0.0.53 on the node) is this server itself: forward to a resolver that is not it.',
          )
        }
        return next(query)
      },
      onListening(listeners) {
        const listener = listeners.find((l) => inAnyZone(zone, l.zones))
        if (!listener) return
        const host = listener.address === '' || listener.address === '0.0.0.0' || listener.address === '::' ? '127.0.0.1' : listener.address
        target = hostPort(host, listener.port)
        const packet = queryPacket(Flag.RD, internalQuery(probe, RRType.HINFO).questionWire, null)
        setTimeout(() => {
          const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
          const done = (): void => {
            clearTimeout(timer)
            socket.close()
          }
          const timer = setTimeout(done, PROBE_TIMEOUT_MS)
          timer.unref()
          socket.on('message', done)
          socket.on('error', (err) => {
            log.warn(`probe to ${target}: ${err.message}`)
            done()
          })
          socket.send(packet, listener.port, host)
        }, PROBE_DELAY_MS).unref()
      },
    }
  },
}
