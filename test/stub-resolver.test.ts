import { describe, expect, it } from 'vitest'
import { AUTOPATH_CLIENT, DEMO_CLUSTER, LAB_CLUSTER } from './support/cluster.js'
import { kubernetes, serverBlock } from './support/corefile.js'
import { logLines, serverForEach } from './support/dns-server.js'
import { getentAhosts, podResolvConf } from './support/stub-resolver.js'
import { unboundForFile } from './support/unbound.js'

// The server on port 53 of a loopback address of its own; the client's queries come from 127.0.0.1,
// which the fixture makes a pod in namespace lab (for autopath).
const SERVER = '127.0.0.120'

const startServer = serverForEach()
const upstream = unboundForFile({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] })

const corefile = (autopath: string): string => {
  const cluster = kubernetes([`manifests ${DEMO_CLUSTER} ${LAB_CLUSTER} ${AUTOPATH_CLIENT}`, 'pods verified'])
  return serverBlock(['log', autopath, cluster, `forward . 127.0.0.1:${upstream().port}`], { port: 53, bind: SERVER })
}
const queriesReceived = (): number => logLines.filter((l) => l.startsWith('[INFO] 127.0.0.1:')).length

/** Resolves `name` as a pod in lab would, returning its addresses and how many queries it took. */
async function lookup(name: string): Promise<{ addresses: string[]; queries: number }> {
  logLines.length = 0
  const addresses = await getentAhosts(name, podResolvConf(SERVER, 'lab'))
  return { addresses, queries: queriesReceived() }
}

describe("glibc's stub resolver (getent ahosts) with a pod's resolv.conf", () => {
  it('resolves short names, other namespaces and outside names through the search path', async () => {
    await startServer(corefile(''))
    expect((await lookup('twins')).addresses).toEqual(['10.10.0.1', '10.10.0.2', '10.10.0.3', '5678:abcd::1', 'fd00::'].sort())
    expect((await lookup('web.shop')).addresses).toEqual(['10.96.100.10', 'fd00:10:96::100'])
    expect((await lookup('kubernetes.default.svc.cluster.local')).addresses).toEqual(['10.96.0.1'])
    const outside = await lookup('api.example.com')
    expect(outside.addresses).toEqual(['192.0.2.80'])
    // Without autopath: the three search domains, then the bare name, for A and AAAA each.
    expect(outside.queries).toBe(8)
    expect((await lookup('nonexistent.example.com')).addresses).toEqual([])
  })

  it('with autopath, an outside lookup takes one round trip (A and AAAA) instead of four', async () => {
    await startServer(corefile('autopath @kubernetes'))
    const outside = await lookup('api.example.com')
    expect(outside.addresses).toEqual(['192.0.2.80'])
    expect(outside.queries).toBe(2)
    const crossNamespace = await lookup('web.shop')
    expect(crossNamespace.addresses).toEqual(['10.96.100.10', 'fd00:10:96::100'])
    expect(crossNamespace.queries).toBe(2)
  })
})
