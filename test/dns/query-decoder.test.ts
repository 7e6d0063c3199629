import { describe, expect, it } from 'vitest'
import { decodeQuery } from '../../src/dns/query-decoder.js'
import { buildQuery } from '../support/raw-client.js'

const clientOf = (address: string): string | undefined => {
  const intake = decodeQuery(buildQuery('web.shop.svc.cluster.local', 'A'), 'udp', address, 5353)
  return intake && 'query' in intake ? intake.query.remoteAddress : undefined
}

describe('decodeQuery', () => {
  it('gives an IPv4 client of a dual-stack socket as plain IPv4, and leaves IPv6 clients alone', () => {
    expect(clientOf('::ffff:10.244.1.11')).toBe('10.244.1.11')
    expect(clientOf('10.244.1.11')).toBe('10.244.1.11')
    expect(clientOf('fd00::1')).toBe('fd00::1')
    expect(clientOf('::ffff:a00:1')).toBe('::ffff:a00:1')
  })
})
