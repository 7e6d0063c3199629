import { afterEach, describe, it } from 'vitest'
import { expectReply } from '../../support/cluster.js'
import { clusterCorefile } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'

const startServer = serverForEach()
const savedPodIP = process.env.POD_IP
afterEach(() => {
  if (savedPodIP === undefined) delete process.env.POD_IP
  else process.env.POD_IP = savedPodIP
})

describe('apex NS', () => {
  it("names the server's own Service, found by its pod IP, with the Service's address as glue", async () => {
    process.env.POD_IP = '10.244.1.7'
    const server = await startServer(clusterCorefile())
    expectReply(await server.ask('cluster.local', 'NS'), {
      status: 'NOERROR',
      answer: ['cluster.local. 5 IN NS kube-dns.kube-system.svc.cluster.local.'],
      additional: ['kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10'],
    })
  })

  it('falls back to ns.dns.<zone> with the pod address when no Service has it', async () => {
    process.env.POD_IP = '10.99.0.1'
    const server = await startServer(clusterCorefile())
    expectReply(await server.ask('cluster.local', 'NS'), {
      status: 'NOERROR',
      answer: ['cluster.local. 5 IN NS ns.dns.cluster.local.'],
      additional: ['ns.dns.cluster.local. 5 IN A 10.99.0.1'],
    })
    expectReply(await server.ask('ns.dns.cluster.local', 'A'), { status: 'NOERROR', answer: ['ns.dns.cluster.local. 5 IN A 10.99.0.1'] })
  })
})
