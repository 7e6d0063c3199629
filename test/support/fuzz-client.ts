import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { BASE_QUERIES, malformation, mutate, seededRandom } from './fuzz.js'
import { buildQuery } from './raw-client.js'

/** What a fuzz run saw: every reply is checked to be well formed and to answer a query sent. */
export interface FuzzTally {
  sent: number
  replies: number
  /** Replies that are not well-formed DNS messages. */
  unparseable: number
  /** Replies whose ID matches no query outstanding (or a second reply to one). */
  idMismatches: number
  /** The first few problems, for the report. */
  readonly examples: string[]
  /** Replies by rcode (the header's four bits). */
  readonly rcodes: Record<number, number>
}

const newTally = (): FuzzTally => ({ sent: 0, replies: 0, unparseable: 0, idMismatches: 0, examples: [], rcodes: {} })

/**
 * Queries sent and not yet answered, by ID. An ID is used again after 65,536 queries on a socket; a
 * query a busy server answers late (a forwarded one that timed out upstream) may still be owed its
 * reply then, so each ID counts how many queries with it are owed one.
 */
class Outstanding {
  private readonly owed = new Map<number, number>()
  size = 0

  add(id: number): void {
    this.owed.set(id, (this.owed.get(id) ?? 0) + 1)
    this.size++
  }

  /** Whether a query with `id` was owed a reply (it is not any more). */
  take(id: number): boolean {
    const owed = this.owed.get(id)
    if (owed === undefined) return false
    if (owed === 1) this.owed.delete(id)
    else this.owed.set(id, owed - 1)
    this.size--
    return true
  }
}

function check(tally: FuzzTally, reply: Buffer, outstanding: Outstanding, sentPackets: Map<number, Buffer>): void {
  tally.replies++
  const problem = malformation(reply)
  const id = reply.length >= 2 ? reply.readUInt16BE(0) : -1
  if (problem) {
    tally.unparseable++
    if (tally.examples.length < 5) tally.examples.push(`${problem}: query ${sentPackets.get(id)?.toString('hex')} reply ${reply.toString('hex')}`)
  } else if (!outstanding.take(id)) {
    tally.idMismatches++
    if (tally.examples.length < 5) tally.examples.push(`reply ID ${id} answers no query outstanding`)
  }
  if (!problem) tally.rcodes[reply[3]! & 0xf] = (tally.rcodes[reply[3]! & 0xf] ?? 0) + 1
}

/**
 * Sends `count` mutated queries (or what `make` makes) over UDP from `sockets` sockets (each with its
 * own IDs), `batch` per socket per turn of the event loop, as fast as that goes; checks every reply.
 * Waits `settleMs` for the last replies.
 */
export async function fuzzUdp(
  port: number,
  count: number,
  options: { seed?: number; sockets?: number; batch?: number; settleMs?: number; make?: (random: (n: number) => number) => Buffer } = {},
): Promise<FuzzTally> {
  const make = options.make ?? ((random: (n: number) => number) => mutate(BASE_QUERIES[random(BASE_QUERIES.length)]!, random))
  const random = seededRandom(options.seed ?? 1)
  const tally = newTally()
  const sockets = await Promise.all(
    Array.from({ length: options.sockets ?? 8 }, async () => {
      const socket = createSocket('udp4')
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
      const outstanding = new Outstanding()
      const sentPackets = new Map<number, Buffer>()
      socket.on('message', (reply) => check(tally, reply, outstanding, sentPackets))
      socket.on('error', () => {})
      return { socket, outstanding, sentPackets, next: 0 }
    }),
  )
  const batch = options.batch ?? 32
  while (tally.sent < count) {
    for (const s of sockets) {
      for (let i = 0; i < batch && tally.sent < count; i++, tally.sent++) {
        const id = s.next++ & 0xffff
        const packet = make(random)
        if (packet.length >= 2) packet.writeUInt16BE(id, 0)
        s.outstanding.add(id)
        if (tally.examples.length < 5) s.sentPackets.set(id, packet)
        s.socket.send(packet, port, '127.0.0.1')
      }
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  await sleep(options.settleMs ?? 1000)
  for (const s of sockets) s.socket.close()
  return tally
}

/**
 * Sends `count` mutated queries over TCP, `perConnection` pipelined on each connection, `parallel`
 * connections at once; checks every reply. A connection is left when all its replies came or none
 * came for `quietMs`.
 */
export async function fuzzTcp(port: number, count: number, options: { seed?: number; perConnection?: number; parallel?: number; quietMs?: number } = {}): Promise<FuzzTally> {
  const random = seededRandom(options.seed ?? 2)
  const tally = newTally()
  const perConnection = options.perConnection ?? 50
  const quietMs = options.quietMs ?? 500
  const one = async (): Promise<void> => {
    const outstanding = new Outstanding()
    const sentPackets = new Map<number, Buffer>()
    const frames: Buffer[] = []
    for (let id = 0; id < perConnection && tally.sent < count; id++, tally.sent++) {
      const packet = mutate(BASE_QUERIES[random(BASE_QUERIES.length)]!, random)
      if (packet.length >= 2) packet.writeUInt16BE(id, 0)
      outstanding.add(id)
      sentPackets.set(id, packet)
      frames.push(Buffer.from([packet.length >> 8, packet.length & 0xff]), packet)
    }
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve) => {
      let quiet = setTimeout(done, quietMs * 4)
      let pending = Buffer.alloc(0)
      function done(): void {
        clearTimeout(quiet)
        socket.destroy()
        resolve()
      }
      socket.on('error', done)
      socket.on('close', done)
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          check(tally, pending.subarray(2, 2 + pending.readUInt16BE(0)), outstanding, sentPackets)
          pending = pending.subarray(2 + pending.readUInt16BE(0))
        }
        clearTimeout(quiet)
        quiet = setTimeout(done, outstanding.size === 0 ? 0 : quietMs)
      })
      socket.write(Buffer.concat(frames))
    })
  }
  const workers = Array.from({ length: options.parallel ?? 8 }, async () => {
    while (tally.sent < count) await one()
  })
  await Promise.all(workers)
  return tally
}

/** A client asking a valid question every `everyMs` and waiting up to `timeoutMs` for each answer. */
export function controlQueries(port: number, name: string, everyMs: number, timeoutMs: number): { stop(): Promise<{ sent: number; answered: number; latenciesMs: number[] }> } {
  const latenciesMs: number[] = []
  let sent = 0
  let answered = 0
  const inFlight = new Set<Promise<void>>()
  const ask = (id: number): Promise<void> =>
    new Promise((resolve) => {
      const socket: UdpSocket = createSocket('udp4')
      const started = performance.now()
      const finish = (): void => {
        clearTimeout(timer)
        socket.close()
        resolve()
      }
      const timer = setTimeout(finish, timeoutMs)
      socket.on('message', (reply) => {
        if (reply.readUInt16BE(0) !== id) return
        answered++
        latenciesMs.push(performance.now() - started)
        finish()
      })
      socket.send(buildQuery(name, 'A', { id }), port, '127.0.0.1')
    })
  const timer = setInterval(() => {
    const p = ask(++sent & 0xffff)
    inFlight.add(p)
    void p.then(() => inFlight.delete(p))
  }, everyMs)
  return {
    async stop() {
      clearInterval(timer)
      await Promise.all(inFlight)
      return { sent, answered, latenciesMs }
    },
  }
}
