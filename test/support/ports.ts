import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

/** A loopback port free for both UDP and TCP right now (a DNS listener needs both). */
export async function freePort(): Promise<number> {
  for (;;) {
    const socket = createSocket('udp4')
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
    const { port } = socket.address()
    await new Promise<void>((resolve) => socket.close(() => resolve()))
    const tcp = createServer()
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false))
      tcp.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (ok) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()))
      return port
    }
  }
}
