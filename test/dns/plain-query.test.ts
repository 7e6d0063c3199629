import { describe, expect, it } from 'vitest'
import { readPlainQuery, sameQuestion, Variant, type PlainQuery } from '../../src/dns/plain-query.js'

/** A query in wire form: header bits, one question, and a bare OPT record when `edns` is given. */
function packet(name: string, type: number, { flags = 0x0100, klass = 1, edns }: { flags?: number; klass?: number; edns?: { size: number; dnssecOk: boolean } } = {}): Buffer {
  const header = Buffer.alloc(12)
  header.writeUInt16BE(0xbeef, 0)
  header.writeUInt16BE(flags, 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(edns ? 1 : 0, 10)
  const labels = name === '' ? [] : name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l, 'latin1')])
  const tail = Buffer.from([0, type >> 8, type & 0xff, klass >> 8, klass & 0xff])
  const opt = edns ? Buffer.from([0, 0, 41, edns.size >> 8, edns.size & 0xff, 0, 0, edns.dnssecOk ? 0x80 : 0, 0, 0, 0]) : Buffer.alloc(0)
  return Buffer.concat([header, ...labels, tail, opt])
}

const read = (bytes: Buffer): PlainQuery | null => {
  const into: PlainQuery = { questionEnd: 0, variant: 0, udpSize: 0, hash: 0 }
  return readPlainQuery(bytes, into) ? into : null
}

describe('reading a plain query by hand', () => {
  it('reads the question end, RD/CD/EDNS/DO and the client payload size', () => {
    const bare = read(packet('web.shop.svc.cluster.local', 1))!
    expect(bare).toMatchObject({ questionEnd: 12 + 28 + 4, variant: Variant.RD, udpSize: 512 })
    const edns = read(packet('web.shop.svc.cluster.local', 1, { flags: 0x0110, edns: { size: 4096, dnssecOk: true } }))!
    expect(edns).toMatchObject({ questionEnd: 44, variant: Variant.RD | Variant.CD | Variant.EDNS | Variant.DO, udpSize: 4096 })
    // As given, even under 512: the reply's OPT record echoes it.
    expect(read(packet('a.b', 1, { edns: { size: 100, dnssecOk: false } }))!.udpSize).toBe(100)
  })

  it('hashes questions the same whatever their letter case, and apart by type and variant', () => {
    const hash = (name: string, type = 1, flags = 0x0100): number => read(packet(name, type, { flags }))!.hash
    expect(hash('WEB.Shop.svc.cluster.LOCAL')).toBe(hash('web.shop.svc.cluster.local'))
    expect(hash('web.shop.svc.cluster.local', 28)).not.toBe(hash('web.shop.svc.cluster.local'))
    expect(hash('web.shop.svc.cluster.local', 1, 0)).not.toBe(hash('web.shop.svc.cluster.local'))
    // Label boundaries count: a.bc is not ab.c.
    expect(hash('a.bc')).not.toBe(hash('ab.c'))
  })

  it('leaves everything else to the full decoder', () => {
    const ok = packet('web.shop.svc.cluster.local', 1, { edns: { size: 1232, dnssecOk: false } })
    const patched = (at: number, value: number): Buffer => {
      const copy = Buffer.from(ok)
      copy[at] = value
      return copy
    }
    const end = ok.length - 11
    const rejected: Record<string, Buffer> = {
      'a response': patched(2, 0x81),
      'opcode NOTIFY': patched(2, 0x20),
      'two questions': patched(5, 2),
      'an answer record': patched(7, 1),
      'two additional records': patched(11, 2),
      'class CH': packet('version.bind', 16, { klass: 3 }),
      AXFR: packet('cluster.local', 252),
      'a compression pointer in the name': Buffer.concat([packet('a', 1).subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]),
      'a label over 63 bytes': packet(`${'x'.repeat(64)}.local`, 1),
      'EDNS version 1': patched(end + 6, 1),
      'an OPT record with an option (COOKIE)': Buffer.concat([ok.subarray(0, end + 9), Buffer.from([0, 12, 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])]),
      'an OPT record not owned by the root': Buffer.concat([ok.subarray(0, end), Buffer.from([1, 0x61, 0]), ok.subarray(end + 1)]),
      'a TSIG-like record instead of OPT': patched(end + 2, 250),
      'bytes after the last record': Buffer.concat([ok, Buffer.from([0])]),
      'a question cut short': ok.subarray(0, 20),
    }
    for (const [what, bytes] of Object.entries(rejected)) expect(read(bytes), what).toBeNull()
    expect(read(ok)).not.toBeNull()
  })

  it('compares names without letter case, but types and classes exactly', () => {
    const question = (bytes: Buffer): Buffer => bytes.subarray(12)
    const lower = question(packet('web.shop', 0x61))
    expect(sameQuestion(question(packet('WEB.Shop', 0x61)), 0, lower, 0, lower.length)).toBe(true)
    // Type 0x41 and 0x61 differ only in the bit that makes a letter small.
    expect(sameQuestion(question(packet('web.shop', 0x41)), 0, lower, 0, lower.length)).toBe(false)
    expect(sameQuestion(question(packet('wec.shop', 0x61)), 0, lower, 0, lower.length)).toBe(false)
  })
})
