// The floor of the DNS benchmark: the least a Node process can do per query. It reads the
// question's name (label by label, as any server must), then sends one fixed A record, over UDP
// and TCP (two-byte length framing) on 127.0.0.1:PORT. Plain JavaScript, no dependency.
//
//   node bench/floor-responder.mjs PORT
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

const port = Number(process.argv[2])
// Answer: the name as a pointer to the question (offset 12), A IN, TTL 30, 192.0.2.1.
const ANSWER = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 1])

/** The reply to `query`, or null when it has no whole question. */
function reply(query) {
  if (query.length < 17) return null
  let at = 12
  const labels = []
  for (let length = query[at]; length !== 0; length = query[at]) {
    if (length > 63 || at + 1 + length >= query.length) return null
    labels.push(query.toString('latin1', at + 1, at + 1 + length))
    at += 1 + length
  }
  const questionEnd = at + 5
  if (questionEnd > query.length || labels.length > 127) return null
  const out = Buffer.allocUnsafe(questionEnd + ANSWER.length)
  query.copy(out, 0, 0, questionEnd)
  out[2] = 0x80 | (query[2] & 0x01) // QR, RD echoed
  out[3] = 0x80 // RA, NOERROR
  out.writeUInt16BE(1, 4)
  out.writeUInt16BE(1, 6)
  out.writeUInt32BE(0, 8)
  ANSWER.copy(out, questionEnd)
  return out
}

const udp = createSocket('udp4')
udp.on('message', (msg, rinfo) => {
  const out = reply(msg)
  if (out) udp.send(out, rinfo.port, rinfo.address)
})
udp.bind(port, '127.0.0.1')

createServer((socket) => {
  let pending = Buffer.alloc(0)
  socket.on('data', (chunk) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const out = reply(pending.subarray(2, 2 + pending.readUInt16BE(0)))
      pending = pending.subarray(2 + pending.readUInt16BE(0))
      if (!out) return socket.destroy()
      const framed = Buffer.allocUnsafe(2 + out.length)
      framed.writeUInt16BE(out.length, 0)
      out.copy(framed, 2)
      socket.write(framed)
    }
  })
  socket.on('error', () => socket.destroy())
}).listen(port, '127.0.0.1')
