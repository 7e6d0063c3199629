import { describe, it } from 'vitest'
import { expectNodata, expectNxdomain, expectReply, rr } from '../../support/cluster.js'
import { clusterCorefile } from '../../support/corefile.js'
import { serverForFile } from '../../support/dns-server.js'

const server = serverForFile(clusterCorefile())

describe('ClusterIP services', () => {
  it('answer every ClusterIP of the family asked, dual-stack included', async () => {
    const [a, aaaa] = await Promise.all([server().ask('web.shop.svc.cluster.local', 'A'), server().ask('web.shop.svc.cluster.local', 'AAAA')])
    expectReply(a, { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
    expectReply(aaaa, { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'AAAA', 'fd00:10:96::100')] })
  })

  it('answer whether or not they have ready endpoints', async () => {
    expectReply(await server().ask('empty.lab.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('empty.lab.svc.cluster.local', 'A', '10.96.50.50')] })
  })

  it('give NODATA for a family they do not have', async () => {
    expectNodata(await server().ask('web6.lab.svc.cluster.local', 'A'))
    expectReply(await server().ask('web6.lab.svc.cluster.local', 'AAAA'), { status: 'NOERROR', answer: [rr('web6.lab.svc.cluster.local', 'AAAA', 'fd00:10:96::6')] })
  })

  it('are answered the same over TCP and by kdig', async () => {
    const [tcp, knot] = await Promise.all([
      server().ask('kube-dns.kube-system.svc.cluster.local', 'A', { tcp: true }),
      server().ask('kube-dns.kube-system.svc.cluster.local', 'A', { tool: 'kdig', tcp: true }),
    ])
    for (const reply of [tcp, knot]) expectReply(reply, { status: 'NOERROR', answer: [rr('kube-dns.kube-system.svc.cluster.local', 'A', '10.96.0.10')] })
  })
})

describe('headless services', () => {
  it('list every ready address across slices, de-duplicated, not-ready ones left out', async () => {
    const [a, aaaa] = await Promise.all([server().ask('twins.lab.svc.cluster.local', 'A'), server().ask('twins.lab.svc.cluster.local', 'AAAA')])
    expectReply(a, {
      status: 'NOERROR',
      answer: ['10.10.0.1', '10.10.0.2', '10.10.0.3'].map((ip) => rr('twins.lab.svc.cluster.local', 'A', ip)),
    })
    expectReply(aaaa, { status: 'NOERROR', answer: ['fd00::', '5678:abcd::1'].map((ip) => rr('twins.lab.svc.cluster.local', 'AAAA', ip)) })
    const db = await server().ask('db.shop.svc.cluster.local', 'A')
    expectReply(db, { status: 'NOERROR', answer: ['10.244.1.21', '10.244.2.22'].map((ip) => rr('db.shop.svc.cluster.local', 'A', ip)) })
  })

  it('are NXDOMAIN without ready endpoints', async () => {
    expectNxdomain(await server().ask('hollow.lab.svc.cluster.local', 'A'))
    expectNxdomain(await server().ask('hollow.lab.svc.cluster.local', 'SRV'))
  })

  it('answer A without ports (and SRV is NODATA)', async () => {
    expectReply(await server().ask('portless.lab.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('portless.lab.svc.cluster.local', 'A', '10.10.5.1')] })
    expectNodata(await server().ask('portless.lab.svc.cluster.local', 'SRV'))
  })
})

describe('endpoint names', () => {
  it('use the hostname, one record per address sharing it', async () => {
    expectReply(await server().ask('shared.twins.lab.svc.cluster.local', 'A'), {
      status: 'NOERROR',
      answer: ['10.10.0.1', '10.10.0.2'].map((ip) => rr('shared.twins.lab.svc.cluster.local', 'A', ip)),
    })
    expectReply(await server().ask('db-0.db.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('db-0.db.shop.svc.cluster.local', 'A', '10.244.1.21')] })
  })

  it('use the dashed address without a hostname, a trailing dash getting a 0', async () => {
    const [v4, v6, trailing] = await Promise.all([
      server().ask('10-10-0-3.twins.lab.svc.cluster.local', 'A'),
      server().ask('5678-abcd--1.twins.lab.svc.cluster.local', 'AAAA'),
      server().ask('fd00--0.twins.lab.svc.cluster.local', 'AAAA'),
    ])
    expectReply(v4, { status: 'NOERROR', answer: [rr('10-10-0-3.twins.lab.svc.cluster.local', 'A', '10.10.0.3')] })
    expectReply(v6, { status: 'NOERROR', answer: [rr('5678-abcd--1.twins.lab.svc.cluster.local', 'AAAA', '5678:abcd::1')] })
    expectReply(trailing, { status: 'NOERROR', answer: [rr('fd00--0.twins.lab.svc.cluster.local', 'AAAA', 'fd00::')] })
  })

  it('exist for ClusterIP services too', async () => {
    expectReply(await server().ask('10-244-1-11.web.shop.svc.cluster.local', 'A'), {
      status: 'NOERROR',
      answer: [rr('10-244-1-11.web.shop.svc.cluster.local', 'A', '10.244.1.11')],
    })
  })

  it('do not exist as a dashed address when a hostname is set, nor for not-ready endpoints', async () => {
    expectNxdomain(await server().ask('10-10-0-1.twins.lab.svc.cluster.local', 'A'))
    expectNxdomain(await server().ask('db-2.db.shop.svc.cluster.local', 'A'))
    expectNxdomain(await server().ask('10-244-3-14.web.shop.svc.cluster.local', 'A'))
  })

  it('ignore pod names unless endpoint_pod_names is set', async () => {
    expectNxdomain(await server().ask('twins-pod-c.twins.lab.svc.cluster.local', 'A'))
  })

  it('are NODATA for other types', async () => {
    expectNodata(await server().ask('db-0.db.shop.svc.cluster.local', 'AAAA'))
    expectNodata(await server().ask('db-0.db.shop.svc.cluster.local', 'MX'))
  })
})

describe('SRV', () => {
  it('on a ClusterIP service port: target the service, weight over entries before de-duplication, glue both families', async () => {
    // Two ClusterIPs make two entries for the one port: weight 50, one record.
    expectReply(await server().ask('_http._tcp.web.shop.svc.cluster.local', 'SRV'), {
      status: 'NOERROR',
      answer: [rr('_http._tcp.web.shop.svc.cluster.local', 'SRV', '0 50 80 web.shop.svc.cluster.local.')],
      additional: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10'), rr('web.shop.svc.cluster.local', 'AAAA', 'fd00:10:96::100')],
    })
  })

  it('matches port and protocol labels without underscores and in any case', async () => {
    const reply = await server().ask('HTTP.TCP.web.shop.svc.cluster.local', 'SRV')
    expectReply(reply, {
      status: 'NOERROR',
      answer: [rr('HTTP.TCP.web.shop.svc.cluster.local', 'SRV', '0 50 80 web.shop.svc.cluster.local.')],
      additional: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10'), rr('web.shop.svc.cluster.local', 'AAAA', 'fd00:10:96::100')],
    })
  })

  it('on a plain service name lists every port, unnamed ones included', async () => {
    // twins: 5 endpoint addresses; the IPv4 ones carry 2 ports, the IPv6 ones 1: N = 8, weight 12.
    const reply = await server().ask('twins.lab.svc.cluster.local', 'SRV')
    const target = (ep: string): string => `${ep}.twins.lab.svc.cluster.local`
    expectReply(reply, {
      status: 'NOERROR',
      answer: [
        `0 12 8000 ${target('shared')}.`,
        `0 12 9000 ${target('shared')}.`,
        `0 12 8000 ${target('10-10-0-3')}.`,
        `0 12 9000 ${target('10-10-0-3')}.`,
        `0 12 8000 ${target('fd00--0')}.`,
        `0 12 8000 ${target('5678-abcd--1')}.`,
      ].map((data) => rr('twins.lab.svc.cluster.local', 'SRV', data)),
      additional: [
        rr(target('shared'), 'A', '10.10.0.1'),
        rr(target('shared'), 'A', '10.10.0.2'),
        rr(target('10-10-0-3'), 'A', '10.10.0.3'),
        rr(target('fd00--0'), 'AAAA', 'fd00::'),
        rr(target('5678-abcd--1'), 'AAAA', '5678:abcd::1'),
      ],
    })
  })

  it('on a headless port targets endpoints', async () => {
    expectReply(await server().ask('_postgres._tcp.db.shop.svc.cluster.local', 'SRV'), {
      status: 'NOERROR',
      answer: ['db-0', 'db-1'].map((h) => rr('_postgres._tcp.db.shop.svc.cluster.local', 'SRV', `0 50 5432 ${h}.db.shop.svc.cluster.local.`)),
      additional: [rr('db-0.db.shop.svc.cluster.local', 'A', '10.244.1.21'), rr('db-1.db.shop.svc.cluster.local', 'A', '10.244.2.22')],
    })
  })

  it('never matches an unnamed port by name, and a wrong protocol is NXDOMAIN', async () => {
    expectNxdomain(await server().ask('_x._udp.twins.lab.svc.cluster.local', 'SRV'))
    expectNxdomain(await server().ask('_http._udp.web.shop.svc.cluster.local', 'SRV'))
  })

  it('names answer A for the matching entries', async () => {
    expectReply(await server().ask('_http._tcp.web.shop.svc.cluster.local', 'A'), {
      status: 'NOERROR',
      answer: [rr('_http._tcp.web.shop.svc.cluster.local', 'A', '10.96.100.10')],
    })
  })

  it('more labels than the grammar allows are NXDOMAIN', async () => {
    expectNxdomain(await server().ask('a._http._tcp.web.shop.svc.cluster.local', 'SRV'))
    expectNxdomain(await server().ask('a.b.c.web.shop.svc.cluster.local', 'A'))
  })
})
