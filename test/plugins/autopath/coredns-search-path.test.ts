import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { AUTOPATH_CLIENT, DEMO_CLUSTER, expectNxdomain, LAB_CLUSTER } from '../../support/cluster.js'
import { block, kubernetes, serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { startedForAll } from '../../support/lifetimes.js'
import { metricSum } from '../../support/metrics.js'
import { freePort } from '../../support/ports.js'
import { startUnbound } from '../../support/unbound.js'

const startServer = serverForEach()
const upstream = startedForAll(
  async () => startUnbound({ zone: 'corp.example.', records: ['api.corp.example. 300 IN A 192.0.2.80'] }, '127.0.0.1', await freePort(), { logQueries: true }),
  (u) => u.stop(),
)

/** Where the kubernetes plugin reads the host's resolv.conf instead of /etc/resolv.conf (README). */
const HOST_RESOLV_CONF_ENV = 'CLUSTERDNS_RESOLV_CONF'

/** The server's own resolv.conf (a node's, with dnsPolicy Default): one search domain of the company's. */
function hostResolvConf(text: string): void {
  const file = join(mkdtempSync(join(tmpdir(), 'clusterdns-host-resolv-')), 'resolv.conf')
  writeFileSync(file, text)
  process.env[HOST_RESOLV_CONF_ENV] = file
}
const configured = process.env[HOST_RESOLV_CONF_ENV]
afterEach(() => {
  if (configured === undefined) delete process.env[HOST_RESOLV_CONF_ENV]
  else process.env[HOST_RESOLV_CONF_ENV] = configured
})

const corefile = (): string =>
  serverBlock(['autopath @kubernetes', kubernetes([`manifests ${DEMO_CLUSTER} ${LAB_CLUSTER} ${AUTOPATH_CLIENT}`, 'pods verified']), `forward . 127.0.0.1:${upstream().port}`])

describe("autopath @kubernetes walks CoreDNS's search path", () => {
  it("after <ns>.svc.<zone>, svc.<zone> and <zone> come the search domains of the server's own resolv.conf", async () => {
    hostResolvConf('nameserver 127.0.0.1\nsearch Corp.Example.\noptions ndots:2\n')
    const server = await startServer(corefile())
    // A pod in lab looking up `api` (the kubelet gives pods the node's search domains after the cluster's).
    const reply = await server.ask('api.lab.svc.cluster.local', 'A')
    expect(reply.status).toBe('NOERROR')
    expect(reply.answer).toEqual(['api.corp.example. 300 IN A 192.0.2.80', 'api.lab.svc.cluster.local. 300 IN CNAME api.corp.example.'])
  })

  it('when every name is NXDOMAIN, the first reply comes back as it was and no autopath is counted', async () => {
    hostResolvConf('search corp.example\n')
    const server = await startServer(corefile())
    const before = await metricSum('coredns_autopath_success_total')
    const reply = await server.ask('nosuch.lab.svc.cluster.local', 'A')
    // The kubernetes plugin's own NXDOMAIN for the asked name: no CNAME, its zone's SOA, authoritative.
    expectNxdomain(reply)
    expect(reply.flags).toContain('aa')
    expect(await metricSum('coredns_autopath_success_total')).toBe(before)
    // The whole path was walked first: the host's search domain, then the bare name.
    expect(upstream().queries()).toEqual(expect.arrayContaining(['nosuch.corp.example. A', 'nosuch. A']))
  })

  it('a name that resolves with no record of the type (NODATA) comes back without a CNAME, as CoreDNS', async () => {
    hostResolvConf('search corp.example\n')
    const server = await startServer(corefile())
    // api.corp.example has an A record only.
    const reply = await server.ask('api.lab.svc.cluster.local', 'AAAA')
    expect(reply.status).toBe('NOERROR')
    expect(reply.answer).toEqual([])
    expect(reply.authority).toEqual([expect.stringMatching(/^corp\.example\. \d+ IN SOA ns\.corp\.example\. /)])
  })
})

describe('autopath @kubernetes, when a lookup on the path fails', () => {
  // Answers nothing outside example.com: a question for example.net gets no reply at all.
  const silent = startedForAll(
    async () => startUnbound({ zone: 'example.com.', records: [] }, '127.0.0.1', await freePort(), { logQueries: true, root: 'deny' }),
    (u) => u.stop(),
  )

  it('ends the walk with that failure (SERVFAIL, no CNAME, not counted), as CoreDNS', async () => {
    hostResolvConf('search example.net\n')
    const forward = block(`forward . 127.0.0.1:${silent().port}`, ['max_fails 0', 'read_timeout 200ms', 'max_connect_attempts 1'])
    const server = await startServer(serverBlock(['autopath @kubernetes', kubernetes([`manifests ${DEMO_CLUSTER} ${LAB_CLUSTER} ${AUTOPATH_CLIENT}`, 'pods verified']), forward]))
    const before = await metricSum('coredns_autopath_success_total')
    const reply = await server.ask('lost.lab.svc.cluster.local', 'A')
    expect(reply.status).toBe('SERVFAIL')
    expect(reply.answer).toEqual([])
    expect(await metricSum('coredns_autopath_success_total')).toBe(before)
    // The host's search domain was tried (and timed out); the bare name never was.
    expect(silent().queries()).toContain('lost.example.net. A')
    expect(silent().queries()).not.toContain('lost. A')
  })
})
