import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { programmingDuration } from '../../src/cluster/api/api-metrics.js'
import type { FakeApiServer } from '../support/api-server/fake-api-server.js'
import { apiServerForEach, service } from '../support/api-server/seed.js'
import { DEMO_CLUSTER, expectReply, rr, soa } from '../support/cluster.js'
import type { DigReply } from '../support/dig.js'
import { kubernetes, serverBlock } from '../support/corefile.js'
import { logLines, serverForEach, type RunningServer } from '../support/dns-server.js'
import { kubeconfig } from '../support/kubeconfig.js'
import { until } from '../support/until.js'

// Registered in this order so that the DNS server stops before its API server closes.
const startApiServer = apiServerForEach()
const startServer = serverForEach()

const corefile = (url: string, ...options: string[]): string =>
  serverBlock([kubernetes([`endpoint ${url}`, 'pods verified', 'startup_timeout 1s', ...options], 'cluster.local in-addr.arpa')])

async function start(...options: string[]): Promise<{ api: FakeApiServer; dns: RunningServer }> {
  const api = await startApiServer([DEMO_CLUSTER])
  return { api, dns: await startServer(corefile(api.url, ...options)) }
}

const WEB = rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')

/**
 * Queries names that exist throughout, back to back over real dig, until stopped; returns every
 * reply that was not the expected answer.
 */
function steadyLoad(server: RunningServer): { stop: () => Promise<{ total: number; failures: DigReply[] }> } {
  let running = true
  let total = 0
  const failures: DigReply[] = []
  const names: Array<[string, string]> = [
    ['web.shop.svc.cluster.local', WEB],
    ['kubernetes.default.svc.cluster.local', rr('kubernetes.default.svc.cluster.local', 'A', '10.96.0.1')],
    ['db-0.db.shop.svc.cluster.local', rr('db-0.db.shop.svc.cluster.local', 'A', '10.244.1.21')],
  ]
  const loops = names.map(async ([name, expected]) => {
    while (running) {
      const reply = await server.ask(name, 'A')
      total++
      if (reply.status !== 'NOERROR' || reply.answer.length !== 1 || reply.answer[0] !== expected) failures.push(reply)
    }
  })
  return {
    stop: async () => {
      running = false
      await Promise.all(loops)
      return { total, failures }
    },
  }
}

describe('the Kubernetes API as a source', () => {
  it('lists (paginated, with selectors sent to the API) and answers from it', async () => {
    const api = await startApiServer([DEMO_CLUSTER])
    api.cluster.apply({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'bulk', labels: { team: 'bulk' } } })
    for (let i = 0; i < 600; i++) api.cluster.apply(service('bulk', `svc-${i}`, `10.100.${i >> 8}.${i & 255}`, { app: 'bulk' }))
    const dns = await startServer(corefile(api.url, 'labels app in (web, bulk)', 'namespace_labels team'))
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
    expectReply(await dns.ask('svc-599.bulk.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('svc-599.bulk.svc.cluster.local', 'A', '10.100.2.87')] })
    // Not selected by `labels`, or in a namespace without a team label.
    expect((await dns.ask('db.shop.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    expect((await dns.ask('kubernetes.default.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    const lists = api.requests.filter((r) => !r.watch)
    const serviceLists = lists.filter((r) => r.path === '/api/v1/services')
    expect(serviceLists.map((r) => r.query.labelSelector)).toEqual(['app in (web, bulk)', 'app in (web, bulk)'])
    expect(serviceLists[1]!.query.continue).toBeTruthy()
    expect(lists.find((r) => r.path === '/api/v1/namespaces')!.query.labelSelector).toBe('team')
    expect(lists.find((r) => r.path === '/api/v1/pods')!.query.fieldSelector).toBe('status.phase!=Succeeded,status.phase!=Failed')
    // This test API server refuses watch-list (as with the feature gate off): those attempts aside.
    const watches = api.requests.filter((r) => r.watch && r.query.sendInitialEvents === undefined)
    expect(watches.map((r) => r.path).sort()).toEqual(['/api/v1/namespaces', '/api/v1/pods', '/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices'])
    expect(watches.every((r) => r.query.resourceVersion !== undefined && r.query.allowWatchBookmarks === 'true')).toBe(true)
  })

  it('shows a Service created, changed and deleted within 100 ms of the event', async () => {
    const { api, dns } = await start()
    const ask = (): Promise<DigReply> => dns.ask('new.shop.svc.cluster.local', 'A')
    expect((await ask()).status).toBe('NXDOMAIN')
    api.cluster.apply(service('shop', 'new', '10.96.9.1'))
    await sleep(100)
    expect((await ask()).answer).toEqual([rr('new.shop.svc.cluster.local', 'A', '10.96.9.1')])
    api.cluster.apply(service('shop', 'new', '10.96.9.2'))
    await sleep(100)
    expect((await ask()).answer).toEqual([rr('new.shop.svc.cluster.local', 'A', '10.96.9.2')])
    api.cluster.delete('Service', 'shop', 'new')
    await sleep(100)
    expect((await ask()).status).toBe('NXDOMAIN')
  })

  it('resumes a dropped watch from its resourceVersion (no relist), through garbage lines', async () => {
    const { api, dns } = await start()
    const listsBefore = api.requests.filter((r) => !r.watch).length
    api.injectGarbage()
    api.dropWatches()
    await sleep(100)
    api.cluster.apply(service('shop', 'after-drop', '10.96.9.3'))
    const reply = await until(() => dns.ask('after-drop.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    expect(reply.answer).toEqual([rr('after-drop.shop.svc.cluster.local', 'A', '10.96.9.3')])
    expect(api.requests.filter((r) => !r.watch).length).toBe(listsBefore)
  })

  it('skips a malformed object with a log line naming it, and keeps the rest', async () => {
    const { api, dns } = await start()
    api.cluster.apply({ ...service('shop', 'broken', '10.96.9.9'), spec: { clusterIP: '10.96.999.9', ports: [] } })
    api.cluster.apply(service('shop', 'fine', '10.96.9.10'))
    const reply = await until(() => dns.ask('fine.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    expect(reply.answer).toEqual([rr('fine.shop.svc.cluster.local', 'A', '10.96.9.10')])
    expect(logLines).toContainEqual('[WARNING] plugin/kubernetes: skipping Service shop/broken: "10.96.999.9" is not an IP address')
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
  })

  it('relists after 410 Gone under steady load with zero failed answers for names that exist throughout', async () => {
    const { api, dns } = await start()
    const load = steadyLoad(dns)
    await sleep(300)
    api.listDelayMs = 300
    // In one step: the watches end, changes land, and history is compacted past the client's
    // resourceVersion, so its resumed watch gets 410 and it must relist.
    api.dropWatches()
    api.cluster.apply(service('shop', 'during-relist', '10.96.9.4'))
    api.cluster.delete('Service', 'monitoring', 'prometheus')
    api.cluster.compact()
    const added = await until(() => dns.ask('during-relist.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    await sleep(300)
    const { total, failures } = await load.stop()
    expect(added.answer).toEqual([rr('during-relist.shop.svc.cluster.local', 'A', '10.96.9.4')])
    expect((await dns.ask('prometheus.monitoring.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    expect(logLines.some((l) => l.includes('is gone; relisting'))).toBe(true)
    expect(total).toBeGreaterThan(20)
    expect(failures).toEqual([])
  })

  it('rides out a 30 s API outage: answers throughout, one log line each way, then the final state', { timeout: 90_000 }, async () => {
    const { api, dns } = await start()
    logLines.length = 0
    const load = steadyLoad(dns)
    await api.refuseFor(30_000)
    await sleep(1000)
    // Changes made while the API cannot be reached: the watch must catch up on all of them.
    api.cluster.apply(service('shop', 'made-in-outage', '10.96.9.5'))
    api.cluster.apply(service('shop', 'web-next', '10.96.9.6'))
    api.cluster.delete('Service', 'monitoring', 'prometheus')
    await sleep(29_000)
    const made = await until(() => dns.ask('made-in-outage.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR', 40_000)
    const { total, failures } = await load.stop()
    expect(made.answer).toEqual([rr('made-in-outage.shop.svc.cluster.local', 'A', '10.96.9.5')])
    expect((await dns.ask('web-next.shop.svc.cluster.local', 'A')).answer).toEqual([rr('web-next.shop.svc.cluster.local', 'A', '10.96.9.6')])
    expect((await dns.ask('prometheus.monitoring.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    expect(total).toBeGreaterThan(100)
    expect(failures).toEqual([])
    expect(logLines.filter((l) => l.includes('Kubernetes API unreachable'))).toHaveLength(1)
    expect(logLines.filter((l) => l.includes('Kubernetes API reachable again'))).toHaveLength(1)
  })

  it('starts without the API: SERVFAIL for unknown names until the first sync, then the records', async () => {
    const api = await startApiServer([DEMO_CLUSTER])
    await api.refuseFor(2500)
    const dns = await startServer(corefile(api.url, 'startup_timeout 200ms'))
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'SERVFAIL', authority: [soa()] })
    // Positive answers come as kinds are listed; NXDOMAIN only once every kind is.
    const synced = await until(() => dns.ask('nope.shop.svc.cluster.local', 'A'), (r) => r.status === 'NXDOMAIN', 15_000)
    expectReply(synced, { status: 'NXDOMAIN', authority: [soa()] })
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
  })

  it('refuses to start without an API configuration instead of guessing localhost:8080', async () => {
    const saved = process.env.KUBERNETES_SERVICE_HOST
    delete process.env.KUBERNETES_SERVICE_HOST
    await expect(startServer(serverBlock(['kubernetes cluster.local']))).rejects.toThrow(/no API server: not running in a pod/)
    if (saved !== undefined) process.env.KUBERNETES_SERVICE_HOST = saved
  })

  it('drops a namespace that stops matching namespace_labels (the API sends DELETED)', async () => {
    const { api, dns } = await start('namespace_labels team')
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
    api.cluster.apply({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'shop', labels: {} } })
    const gone = await until(() => dns.ask('web.shop.svc.cluster.local', 'A'), (r) => r.status === 'NXDOMAIN')
    expect(gone.status).toBe('NXDOMAIN')
  })

  it('records DNS programming latency from the slice trigger time, by service kind', async () => {
    const { api, dns } = await start()
    const before = (await programmingDuration.get()).values.find((v) => v.metricName?.endsWith('_count') && v.labels.service_kind === 'headless_with_selector')?.value ?? 0
    const slice = api.cluster.get('EndpointSlice', 'shop', 'db-klmno')!
    const triggered = new Date(Date.now() - 2000).toISOString()
    api.cluster.apply({
      ...slice,
      metadata: { ...slice.metadata, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': triggered } },
      endpoints: [...(slice.endpoints as object[]), { addresses: ['10.244.3.30'], hostname: 'db-3' }],
    })
    await until(() => dns.ask('db-3.db.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    const values = (await programmingDuration.get()).values.filter((v) => v.labels.service_kind === 'headless_with_selector')
    expect(values.find((v) => v.metricName?.endsWith('_count'))!.value).toBe(before + 1)
    expect(values.find((v) => v.metricName?.endsWith('_sum'))!.value).toBeGreaterThanOrEqual(2)
  })
})

describe('API configuration', () => {
  it('reads a kubeconfig file and the context it names', async () => {
    const api = await startApiServer([DEMO_CLUSTER])
    const dns = await startServer(serverBlock([kubernetes(['kubeconfig kube.yaml bench'])]), { 'kube.yaml': kubeconfig(api.url, ['elsewhere', 'bench']) })
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
  })

  it('refuses a context the kubeconfig does not have, naming it', async () => {
    await expect(
      startServer(serverBlock([kubernetes(['kubeconfig kube.yaml nowhere'])]), { 'kube.yaml': kubeconfig('http://127.0.0.1:1', ['elsewhere', 'bench']) }),
    ).rejects.toThrow(/kubeconfig .*kube\.yaml has no context nowhere/)
  })
})
