import { createSocket } from 'node:dgram'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * Where ports are picked: below the kernel's ephemeral range. A port the kernel handed out for port 0
 * could be handed out again, to any process's next socket, before the test's server binds it (an
 * unbound failed to start so); one below the range is only ever taken by asking for it.
 */
const [EPHEMERAL_LOW] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number) as [number]
const LOW = 10_000
const HIGH = Math.max(LOW + 1000, EPHEMERAL_LOW)

const bound = async (listen: (done: (ok: boolean) => void) => void): Promise<boolean> => new Promise((resolve) => listen(resolve))

/** A loopback port free for both UDP and TCP right now (a DNS listener needs both). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW))
    const udp = createSocket('udp4')
    const udpOk = await bound((done) => {
      udp.once('error', () => done(false))
      udp.bind(port, '127.0.0.1', () => done(true))
    })
    if (!udpOk) {
      try {
        udp.close()
      } catch {
        // never bound: nothing to close
      }
      continue
    }
    const tcp = createServer()
    const tcpOk = await bound((done) => {
      tcp.once('error', () => done(false))
      tcp.listen(port, '127.0.0.1', () => done(true))
    })
    await new Promise<void>((resolve) => udp.close(() => resolve()))
    if (tcpOk) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()))
      return port
    }
  }
}
