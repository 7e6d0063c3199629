import { describe, expect, it } from 'vitest'
import { reverseName } from '../../../src/dns/reverse.js'
import { expectNodata, expectNxdomain, expectReply, rr, soa } from '../../support/cluster.js'
import { clusterCorefile } from '../../support/corefile.js'
import { serverForFile } from '../../support/dns-server.js'

const server = serverForFile(clusterCorefile())

describe('ExternalName services', () => {
  it('answer a CNAME alone when the target is outside the cluster zone', async () => {
    for (const type of ['A', 'AAAA', 'TXT', 'CNAME']) {
      expectReply(await server().ask('payments.shop.svc.cluster.local', type), {
        status: 'NOERROR',
        answer: [rr('payments.shop.svc.cluster.local', 'CNAME', 'api.payments.example.com.')],
      })
    }
  })

  it('follow a target inside the zone: the CNAME first, then its records', async () => {
    const [a, aaaa] = await Promise.all([server().ask('storefront.shop.svc.cluster.local', 'A'), server().ask('storefront.shop.svc.cluster.local', 'AAAA')])
    const cname = rr('storefront.shop.svc.cluster.local', 'CNAME', 'web.shop.svc.cluster.local.')
    expectReply(a, { status: 'NOERROR', answer: [cname, rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
    expect(a.raw.indexOf('CNAME')).toBeLessThan(a.raw.indexOf('10.96.100.10'))
    expectReply(aaaa, { status: 'NOERROR', answer: [cname, rr('web.shop.svc.cluster.local', 'AAAA', 'fd00:10:96::100')] })
  })

  it('are NODATA for SRV and other types, NXDOMAIN below', async () => {
    expectNodata(await server().ask('payments.shop.svc.cluster.local', 'SRV'))
    expectNodata(await server().ask('payments.shop.svc.cluster.local', 'MX'))
    expectNxdomain(await server().ask('x.payments.shop.svc.cluster.local', 'A'))
    expectNxdomain(await server().ask('_http._tcp.payments.shop.svc.cluster.local', 'SRV'))
  })

  it('ignore an IP literal target (NXDOMAIN) and do not loop on themselves', async () => {
    expectNxdomain(await server().ask('ipname.lab.svc.cluster.local', 'A'))
    expectReply(await server().ask('loop.lab.svc.cluster.local', 'A'), {
      status: 'NOERROR',
      answer: [rr('loop.lab.svc.cluster.local', 'CNAME', 'loop.lab.svc.cluster.local.')],
    })
  })
})

describe('PTR', () => {
  const ptr = (ip: string, ...targets: string[]): string[] => targets.map((t) => rr(reverseName(ip), 'PTR', `${t}.`))

  it('a ClusterIP (either family) names exactly its service', async () => {
    const [v4, v6] = await Promise.all([server().ask(reverseName('10.96.100.10'), 'PTR'), server().ask(reverseName('fd00:10:96::100'), 'PTR')])
    expectReply(v4, { status: 'NOERROR', answer: ptr('10.96.100.10', 'web.shop.svc.cluster.local') })
    expectReply(v6, { status: 'NOERROR', answer: ptr('fd00:10:96::100', 'web.shop.svc.cluster.local') })
  })

  it('an endpoint address names each (service, endpoint name)', async () => {
    expectReply(await server().ask(reverseName('10.244.1.21'), 'PTR'), { status: 'NOERROR', answer: ptr('10.244.1.21', 'db-0.db.shop.svc.cluster.local') })
    expectReply(await server().ask(reverseName('10.244.1.11'), 'PTR'), { status: 'NOERROR', answer: ptr('10.244.1.11', '10-244-1-11.web.shop.svc.cluster.local') })
    expectReply(await server().ask(reverseName('10.10.9.9'), 'PTR'), {
      status: 'NOERROR',
      answer: ptr('10.10.9.9', 'alpha.shared-a.lab.svc.cluster.local', '10-10-9-9.shared-b.lab.svc.cluster.local'),
    })
    expectReply(await server().ask(reverseName('5678:abcd::1'), 'PTR'), {
      status: 'NOERROR',
      answer: ptr('5678:abcd::1', '5678-abcd--1.twins.lab.svc.cluster.local'),
    })
  })

  it('unknown or not-ready addresses and partial names are NXDOMAIN with the reverse zone SOA', async () => {
    expectNxdomain(await server().ask(reverseName('192.0.2.200'), 'PTR'), 'in-addr.arpa')
    expectNxdomain(await server().ask(reverseName('10.244.3.14'), 'PTR'), 'in-addr.arpa')
    expectNxdomain(await server().ask('10.in-addr.arpa', 'PTR'), 'in-addr.arpa')
    expectNxdomain(await server().ask(reverseName('fd00::1234'), 'PTR'), 'ip6.arpa')
  })

  it('other types on a known address are NODATA', async () => {
    expectNodata(await server().ask(reverseName('10.96.100.10'), 'A'), 'in-addr.arpa')
  })
})

describe('zone structure', () => {
  it('dns-version answers the schema version with TTL 28800', async () => {
    expectReply(await server().ask('dns-version.cluster.local', 'TXT'), {
      status: 'NOERROR',
      answer: [rr('dns-version.cluster.local', 'TXT', '"1.1.0"', 28800)],
    })
    expectNodata(await server().ask('dns-version.cluster.local', 'A'))
  })

  it('the apex answers SOA, and NODATA for other types', async () => {
    expectReply(await server().ask('cluster.local', 'SOA'), { status: 'NOERROR', answer: [soa()] })
    expectNodata(await server().ask('cluster.local', 'A'))
    expectReply(await server().ask('in-addr.arpa', 'SOA'), { status: 'NOERROR', answer: [soa('in-addr.arpa')] })
  })

  it('svc, pod and existing namespaces are NODATA; unknown namespaces and names are NXDOMAIN', async () => {
    for (const name of ['svc.cluster.local', 'pod.cluster.local', 'shop.svc.cluster.local']) expectNodata(await server().ask(name, 'A'))
    for (const name of ['nosuch.svc.cluster.local', 'web.nosuch.svc.cluster.local', 'foo.cluster.local', 'web.shop.foo.cluster.local']) {
      expectNxdomain(await server().ask(name, 'A'))
    }
  })

  it('pod names are NXDOMAIN with pods disabled (the default)', async () => {
    expectNxdomain(await server().ask('10-244-1-11.shop.pod.cluster.local', 'A'))
    expectNxdomain(await server().ask('shop.pod.cluster.local', 'A'))
  })

  it('* and any are ordinary labels, not wildcards', async () => {
    expectNxdomain(await server().ask('*.shop.svc.cluster.local', 'A'))
    expectNxdomain(await server().ask('any.shop.svc.cluster.local', 'A'))
    expectNxdomain(await server().ask('*.web.shop.svc.cluster.local', 'A'))
  })

  it('existing names asked for a type they lack are NODATA', async () => {
    for (const type of ['MX', 'CNAME', 'HINFO', 'TXT', 'PTR']) expectNodata(await server().ask('web.shop.svc.cluster.local', type))
  })
})

describe('flags and letter case', () => {
  it('answers are authoritative, copy RD, never claim recursion', async () => {
    const rd = await server().ask('web.shop.svc.cluster.local', 'A')
    expect(rd.flags).toEqual(['aa', 'qr', 'rd'])
    const nord = await server().ask('web.shop.svc.cluster.local', 'A', { flags: ['+nordflag'] })
    expect(nord.flags).toEqual(['aa', 'qr'])
  })

  it('owners keep the question case; synthesized names keep the question case of the zone', async () => {
    const reply = await server().ask('_HTTP._tcp.Web.Shop.svc.CLUSTER.Local', 'SRV')
    expectReply(reply, {
      status: 'NOERROR',
      answer: [rr('_HTTP._tcp.Web.Shop.svc.CLUSTER.Local', 'SRV', '0 50 80 web.shop.svc.CLUSTER.Local.')],
      additional: [rr('web.shop.svc.CLUSTER.Local', 'A', '10.96.100.10'), rr('web.shop.svc.CLUSTER.Local', 'AAAA', 'fd00:10:96::100')],
    })
    expectNxdomain(await server().ask('NOPE.shop.svc.CLUSTER.local', 'A'), 'CLUSTER.local')
  })

  it('names outside every zone are REFUSED', async () => {
    expectReply(await server().ask('example.com', 'A'), { status: 'REFUSED' })
  })
})
