import { createSocket } from 'node:dgram'

export interface FakeUpstream {
  readonly port: number
  /** Every query it got, as the bytes that came. */
  readonly queries: Buffer[]
  close(): Promise<void>
}

/** A hand-made UDP upstream on 127.0.0.1: answers each query with `replies(query)` (none: silent). */
export async function fakeUdpUpstream(replies: (query: Buffer) => Buffer[]): Promise<FakeUpstream> {
  const socket = createSocket('udp4')
  const queries: Buffer[] = []
  socket.on('message', (msg, from) => {
    queries.push(msg)
    for (const reply of replies(msg)) socket.send(reply, from.port, from.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { port: socket.address().port, queries, close: () => new Promise((resolve) => socket.close(() => resolve())) }
}
