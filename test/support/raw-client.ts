import { createSocket } from 'node:dgram'
import { connect } from 'node:net'
import dnsPacket from 'dns-packet'
import type { DnsQuery } from '../../src/dns/message.js'
import { decodeQuery } from '../../src/dns/query-decoder.js'

/** A query in wire form, built with dns-packet; `patch` edits the bytes afterwards. */
export function buildQuery(name: string, type: string, options: { id?: number; edns?: boolean; flags?: number; klass?: string } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: options.id ?? 0x1234,
    flags: options.flags ?? dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as dnsPacket.RecordType, class: (options.klass ?? 'IN') as dnsPacket.RecordClass }],
    additionals: options.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer] : [],
  })
}

/** A query as the server decodes it from the wire: for calling a handler or the encoder directly. */
export function decodedQuery(name: string, type: string, transport: 'udp' | 'tcp' = 'udp', options: { edns?: boolean } = {}): DnsQuery {
  const intake = decodeQuery(buildQuery(name, type, options), transport, '127.0.0.1')
  if (!intake || !('query' in intake)) throw new Error(`${name} ${type} did not decode`)
  return intake.query
}

/** Sends one datagram; resolves with the reply, or null when none came within `waitMs`. */
export function udpExchange(port: number, packet: Buffer, waitMs = 500, address = '127.0.0.1'): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4')
    const timer = setTimeout(() => {
      socket.close()
      resolve(null)
    }, waitMs)
    socket.on('message', (msg) => {
      clearTimeout(timer)
      socket.close()
      resolve(msg)
    })
    socket.send(packet, port, address)
  })
}

/** Frames `packets` for TCP (two-byte length prefix) in one buffer. */
export function frame(...packets: Buffer[]): Buffer {
  return Buffer.concat(packets.flatMap((p) => [Buffer.from([p.length >> 8, p.length & 0xff]), p]))
}

/** Writes `bytes` on one TCP connection and collects `count` framed replies. */
export function tcpExchange(port: number, bytes: Buffer, count: number, waitMs = 2000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const replies: Buffer[] = []
    let pending = Buffer.alloc(0)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`got ${replies.length} of ${count} replies`))
    }, waitMs)
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk])
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        replies.push(pending.subarray(2, 2 + pending.readUInt16BE(0)))
        pending = pending.subarray(2 + pending.readUInt16BE(0))
      }
      if (replies.length >= count) {
        clearTimeout(timer)
        socket.destroy()
        resolve(replies)
      }
    })
    socket.on('error', reject)
    socket.write(bytes)
  })
}

export const rcodeOf = (reply: Buffer): number => reply.readUInt16BE(2) & 0xf
export const idOf = (reply: Buffer): number => reply.readUInt16BE(0)
