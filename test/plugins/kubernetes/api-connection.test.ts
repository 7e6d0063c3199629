import { describe, expect, it } from 'vitest'
import { apiServerForEach } from '../../support/api-server/seed.js'
import { DEMO_CLUSTER, expectReply, rr } from '../../support/cluster.js'
import { kubernetes, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach } from '../../support/dns-server.js'
import { kubeconfig } from '../../support/kubeconfig.js'
import { freePort } from '../../support/ports.js'

// Registered in this order so that the DNS server stops before its API server closes.
const startApiServer = apiServerForEach()
const startServer = serverForEach()

const WEB = rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')
const warnings = (): string[] => logLines.filter((l) => l.startsWith('[WARNING] plugin/kubernetes:'))

describe('how the kubernetes plugin reaches the API, as CoreDNS', () => {
  it('several endpoint URLs: the first is used, with CoreDNS warning', async () => {
    const api = await startApiServer([DEMO_CLUSTER])
    const closed = `http://127.0.0.1:${await freePort()}`
    logLines.length = 0
    const dns = await startServer(serverBlock([kubernetes([`endpoint ${api.url} ${closed}`, 'startup_timeout 3s'])]))
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
    expect(warnings()).toEqual([
      `[WARNING] plugin/kubernetes: ${dns.dir}/Corefile:4: Multiple endpoints have been deprecated, only the first specified endpoint '${api.url}' is used`,
    ])
  })

  it('kubeconfig with endpoint: the kubeconfig wins, the endpoint (a closed port) is ignored and said so', async () => {
    const api = await startApiServer([DEMO_CLUSTER])
    const closed = `http://127.0.0.1:${await freePort()}`
    logLines.length = 0
    const dns = await startServer(serverBlock([kubernetes([`endpoint ${closed}`, 'kubeconfig kube.yaml', 'startup_timeout 3s'])]), {
      'kube.yaml': kubeconfig(api.url),
    })
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
    expect(warnings()).toEqual([
      `[WARNING] plugin/kubernetes: ${dns.dir}/Corefile:3: kubeconfig ${dns.dir}/kube.yaml is used; endpoint ${closed} ignored, as CoreDNS does`,
    ])
  })
})
