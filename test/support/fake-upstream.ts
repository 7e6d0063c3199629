import { createSocket } from 'node:dgram'

export interface FakeUpstream {
  readonly port: number
  /** Every query it got, as the bytes that came. */
  readonly queries: Buffer[]
  /** The source port of each query, in the same order. */
  readonly sourcePorts: number[]
  close(): Promise<void>
}

/**
 * A hand-made UDP upstream on 127.0.0.1: answers each query with `replies(query)` (none: silent),
 * `delayMs` after it came.
 */
export async function fakeUdpUpstream(replies: (query: Buffer) => Buffer[], delayMs = 0): Promise<FakeUpstream> {
  const socket = createSocket('udp4')
  const queries: Buffer[] = []
  const sourcePorts: number[] = []
  socket.on('message', (msg, from) => {
    queries.push(msg)
    sourcePorts.push(from.port)
    const send = (): void => {
      for (const reply of replies(msg)) socket.send(reply, from.port, from.address)
    }
    if (delayMs > 0) setTimeout(send, delayMs)
    else send()
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { port: socket.address().port, queries, sourcePorts, close: () => new Promise((resolve) => socket.close(() => resolve())) }
}
