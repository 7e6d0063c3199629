import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { reverseName } from '../../../src/dns/reverse.js'
import { DEMO_CLUSTER, expectNodata, expectNxdomain, expectReply, rr, soa } from '../../support/cluster.js'
import { clusterCorefile, kubernetes, serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { until } from '../../support/until.js'

const startServer = serverForEach()

describe('pods', () => {
  it('insecure: the address comes from the name when the namespace exists', async () => {
    const server = await startServer(clusterCorefile('pods insecure'))
    expectReply(await server.ask('10-1-2-3.shop.pod.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('10-1-2-3.shop.pod.cluster.local', 'A', '10.1.2.3')] })
    expectReply(await server.ask('fd00--1.shop.pod.cluster.local', 'AAAA'), { status: 'NOERROR', answer: [rr('fd00--1.shop.pod.cluster.local', 'AAAA', 'fd00::1')] })
    expectNodata(await server.ask('10-1-2-3.shop.pod.cluster.local', 'AAAA'))
    expectNxdomain(await server.ask('10-1-2-3.nosuch.pod.cluster.local', 'A'))
    expectNxdomain(await server.ask('not-an-ip.shop.pod.cluster.local', 'A'))
    expectNodata(await server.ask('shop.pod.cluster.local', 'A'))
  })

  it('verified: only addresses of live pods in that namespace', async () => {
    const server = await startServer(clusterCorefile('pods verified'))
    expectReply(await server.ask('10-244-1-11.shop.pod.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('10-244-1-11.shop.pod.cluster.local', 'A', '10.244.1.11')] })
    expectReply(await server.ask('fd00-10-244-1--11.shop.pod.cluster.local', 'AAAA'), {
      status: 'NOERROR',
      answer: [rr('fd00-10-244-1--11.shop.pod.cluster.local', 'AAAA', 'fd00:10:244:1::11')],
    })
    // Running elsewhere, finished, or unknown: NXDOMAIN.
    expectNxdomain(await server.ask('10-244-1-11.lab.pod.cluster.local', 'A'))
    expectNxdomain(await server.ask('10-244-2-99.shop.pod.cluster.local', 'A'))
    expectNxdomain(await server.ask('10-1-2-3.shop.pod.cluster.local', 'A'))
  })
})

describe('visibility options', () => {
  it('namespaces: others are NXDOMAIN, PTR included', async () => {
    const server = await startServer(clusterCorefile('namespaces shop kube-system'))
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
    expectNxdomain(await server.ask('twins.lab.svc.cluster.local', 'A'))
    expectNxdomain(await server.ask('lab.svc.cluster.local', 'A'))
    expectNxdomain(await server.ask(reverseName('10.10.9.9'), 'PTR'), 'in-addr.arpa')
  })

  it('namespace_labels: only matching namespaces are exposed', async () => {
    const server = await startServer(clusterCorefile('namespace_labels team in (shop,lab)'))
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
    expectNxdomain(await server.ask('secret.hidden.svc.cluster.local', 'A'))
    expectNxdomain(await server.ask('kubernetes.default.svc.cluster.local', 'A'))
  })

  it('labels: only matching services exist', async () => {
    const server = await startServer(clusterCorefile('labels app=web'))
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
    expectNxdomain(await server.ask('db.shop.svc.cluster.local', 'A'))
    expectNxdomain(await server.ask(reverseName('10.244.1.21'), 'PTR'), 'in-addr.arpa')
  })

  it('noendpoints: headless services and endpoint names vanish, ClusterIPs stay', async () => {
    const server = await startServer(clusterCorefile('noendpoints'))
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
    expectNxdomain(await server.ask('db.shop.svc.cluster.local', 'A'))
    expectNxdomain(await server.ask('10-244-1-11.web.shop.svc.cluster.local', 'A'))
  })

  it('ignore empty_service: a ClusterIP service without ready endpoints is NXDOMAIN', async () => {
    const server = await startServer(clusterCorefile('ignore empty_service'))
    expectNxdomain(await server.ask('empty.lab.svc.cluster.local', 'A'))
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
    expectReply(await server.ask('payments.shop.svc.cluster.local', 'A'), {
      status: 'NOERROR',
      answer: [rr('payments.shop.svc.cluster.local', 'CNAME', 'api.payments.example.com.')],
    })
  })

  it('endpoint_pod_names: the pod name replaces the dashed address, unless 64 characters or longer', async () => {
    const server = await startServer(clusterCorefile('endpoint_pod_names'))
    expectReply(await server.ask('twins-pod-c.twins.lab.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('twins-pod-c.twins.lab.svc.cluster.local', 'A', '10.10.0.3')] })
    expectNxdomain(await server.ask('10-10-0-3.twins.lab.svc.cluster.local', 'A'))
    // The hostname still wins over the pod name.
    expectReply(await server.ask('db-1.db.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('db-1.db.shop.svc.cluster.local', 'A', '10.244.2.22')] })
    expectReply(await server.ask('10-10-1-1.longpod.lab.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('10-10-1-1.longpod.lab.svc.cluster.local', 'A', '10.10.1.1')] })
  })
})

describe('ttl', () => {
  it('sets every synthesized TTL; the SOA TTL is capped at 300, its minimum is the ttl', async () => {
    const server = await startServer(clusterCorefile('ttl 600'))
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 600)] })
    const nx = await server.ask('nope.shop.svc.cluster.local', 'A')
    expectReply(nx, { status: 'NXDOMAIN', authority: ['cluster.local. 300 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. <serial> 7200 1800 86400 600'] })
    expectReply(await server.ask('dns-version.cluster.local', 'TXT'), { status: 'NOERROR', answer: [rr('dns-version.cluster.local', 'TXT', '"1.1.0"', 28800)] })
  })

  it('0 is allowed', async () => {
    const server = await startServer(clusterCorefile('ttl 0'))
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 0)] })
  })
})

describe('zones and fallthrough', () => {
  it('a CIDR zone answers PTR inside it, with its own apex in the SOA, and refuses outside it', async () => {
    const server = await startServer(clusterCorefile('', 'cluster.local 10.96.0.0/12'))
    expectReply(await server.ask(reverseName('10.96.100.10'), 'PTR'), {
      status: 'NOERROR',
      answer: [rr(reverseName('10.96.100.10'), 'PTR', 'web.shop.svc.cluster.local.')],
    })
    expectNxdomain(await server.ask(reverseName('10.97.1.1'), 'PTR'), '97.10.in-addr.arpa')
    expectReply(await server.ask(reverseName('10.244.1.21'), 'PTR'), { status: 'REFUSED' })
  })

  it('fallthrough passes NXDOMAIN of the listed zones on (here to the end of the chain: REFUSED)', async () => {
    const server = await startServer(clusterCorefile('fallthrough in-addr.arpa'))
    expectReply(await server.ask(reverseName('192.0.2.200'), 'PTR'), { status: 'REFUSED' })
    expectNxdomain(await server.ask('nope.shop.svc.cluster.local', 'A'))
    expectReply(await server.ask(reverseName('10.96.100.10'), 'PTR'), {
      status: 'NOERROR',
      answer: [rr(reverseName('10.96.100.10'), 'PTR', 'web.shop.svc.cluster.local.')],
    })
  })
})

describe('before the first sync', () => {
  it('would-be NXDOMAIN is SERVFAIL with the SOA; the data answers once it arrives', async () => {
    const server = await startServer(serverBlock([kubernetes(['manifests late.yaml', 'startup_timeout 100ms'])]))
    const late = join(server.dir, 'late.yaml')
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'SERVFAIL', authority: [soa()] })
    expectNodata(await server.ask('cluster.local', 'A'))
    writeFileSync(late, readFileSync(DEMO_CLUSTER, 'utf8'))
    const reply = await until(() => server.ask('web.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    expectReply(reply, { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
    expectNxdomain(await server.ask('nope.shop.svc.cluster.local', 'A'))
  })
})
