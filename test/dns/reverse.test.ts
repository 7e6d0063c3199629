import { describe, expect, it } from 'vitest'
import { canonicalIP } from '../../src/dns/address.js'
import { addressOfReverseName, reverseName, reverseZonesOfCidr } from '../../src/dns/reverse.js'

describe('reverse names', () => {
  it('round-trip IPv4 and IPv6 addresses', () => {
    expect(reverseName('10.96.0.10')).toBe('10.0.96.10.in-addr.arpa')
    expect(addressOfReverseName('10.0.96.10.in-addr.arpa')).toBe('10.96.0.10')
    const v6 = reverseName('fd00:10:96::a')
    expect(v6).toBe('a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa')
    expect(addressOfReverseName(v6)).toBe('fd00:10:96::a')
  })

  it('reject partial or malformed names', () => {
    for (const name of ['96.10.in-addr.arpa', '1.2.3.256.in-addr.arpa', '01.2.3.4.in-addr.arpa', 'a.b.c.d.in-addr.arpa', '1.ip6.arpa', 'example.com']) {
      expect(addressOfReverseName(name)).toBeNull()
    }
  })

  it('cover a CIDR with whole-label zones', () => {
    const zones = reverseZonesOfCidr('10.96.0.0/12')!
    expect(zones).toHaveLength(16)
    expect(zones[0]).toBe('96.10.in-addr.arpa')
    expect(zones[15]).toBe('111.10.in-addr.arpa')
    expect(reverseZonesOfCidr('10.0.0.0/8')).toEqual(['10.in-addr.arpa'])
    expect(reverseZonesOfCidr('0.0.0.0/0')).toEqual(['in-addr.arpa'])
    expect(reverseZonesOfCidr('fd00::/8')).toEqual(['d.f.ip6.arpa'])
    expect(reverseZonesOfCidr('fd00::/6')).toEqual(['c.f.ip6.arpa', 'd.f.ip6.arpa', 'e.f.ip6.arpa', 'f.f.ip6.arpa'])
    expect(reverseZonesOfCidr('10.96.0.0/33')).toBeNull()
    expect(reverseZonesOfCidr('cluster.local')).toBeNull()
  })

  it('canonical address text follows RFC 5952', () => {
    expect(canonicalIP('FD00:0:0:0:0:0:0:1')).toBe('fd00::1')
    expect(canonicalIP('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1')
    expect(canonicalIP('::ffff:10.0.0.1')).toBe('::ffff:a00:1')
    expect(canonicalIP('10.0.0.1')).toBe('10.0.0.1')
    expect(canonicalIP('10.0.0')).toBeNull()
  })
})
