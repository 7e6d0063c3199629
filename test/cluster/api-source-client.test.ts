import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { SERVICE_ACCOUNT_DIR_ENV } from '../../src/cluster/api/kube-config.js'
import { apiServerForEach, service } from '../support/api-server/seed.js'
import { DEMO_CLUSTER, expectReply, rr, soa } from '../support/cluster.js'
import { kubernetes, serverBlock } from '../support/corefile.js'
import { logLines, serverForEach } from '../support/dns-server.js'
import { until } from '../support/until.js'

// Registered in this order so that the DNS server stops before its API server closes.
const startApiServer = apiServerForEach()
const startServer = serverForEach()
const savedEnv = { ...process.env }
afterEach(() => {
  for (const name of ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT', SERVICE_ACCOUNT_DIR_ENV]) {
    if (savedEnv[name] === undefined) delete process.env[name]
    else process.env[name] = savedEnv[name]
  }
})

const TLS_DIR = fileURLToPath(new URL('../fixtures/api-tls/', import.meta.url))
const WEB = rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')

/** `connection`: '' for the pod's own service account. */
const corefile = (connection: string, ...options: string[]): string =>
  serverBlock([kubernetes([connection, 'pods verified', 'startup_timeout 1s', ...options].filter(Boolean), 'cluster.local in-addr.arpa')])

/** New log lines from here on. */
function logsFrom(): () => string[] {
  const start = logLines.length
  return () => logLines.slice(start)
}

describe('the API client', () => {
  it('in a pod: HTTPS with the service account CA, and a rotated token is sent from the next request on', async () => {
    const tls = { key: readFileSync(join(TLS_DIR, 'server.key')), cert: readFileSync(join(TLS_DIR, 'server.crt')) }
    const api = await startApiServer([DEMO_CLUSTER], { tls })
    const account = mkdtempSync(join(tmpdir(), 'clusterdns-sa-'))
    writeFileSync(join(account, 'ca.crt'), tls.cert)
    writeFileSync(join(account, 'token'), 'token-one\n')
    Object.assign(process.env, { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(new URL(api.url).port), [SERVICE_ACCOUNT_DIR_ENV]: account })
    const dns = await startServer(corefile(''))
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
    expect(new Set(api.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer token-one']))

    // The kubelet rewrites the token; the watches that resume after a drop must carry the new one.
    writeFileSync(join(account, 'token'), 'token-two\n')
    const rotatedAt = api.requests.length
    api.dropWatches()
    api.cluster.apply(service('shop', 'after-rotation', '10.96.9.21'))
    const reply = await until(() => dns.ask('after-rotation.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    expect(reply.answer).toEqual([rr('after-rotation.shop.svc.cluster.local', 'A', '10.96.9.21')])
    // Every kind's watch resumes, each with the new token.
    const after = await until(
      async () => api.requests.slice(rotatedAt),
      (requests) => requests.length >= 4,
    )
    expect(new Set(after.map((r) => r.authorization))).toEqual(new Set(['Bearer token-two']))
  })

  it('logs a 403 once with the verb, the resource and what the API said, never "last known records" at a cold start', async () => {
    const logs = logsFrom()
    const api = await startApiServer([DEMO_CLUSTER])
    api.forbidden.add('pods')
    const dns = await startServer(corefile(`endpoint ${api.url}`, 'startup_timeout 200ms'))
    await until(
      async () => logs(),
      (lines) => lines.some((l) => l.includes('refused')),
    )
    // Several refused attempts (backoff from 0.5 s), one line.
    await until(
      async () => api.requests.filter((r) => r.path === '/api/v1/pods').length,
      (n) => n >= 3,
    )
    const refusals = logs().filter((l) => l.includes('refused'))
    expect(refusals).toEqual([
      '[ERROR] plugin/kubernetes: Kubernetes API refused to watch pods (HTTP 403 Forbidden: pods is forbidden: User "system:serviceaccount:kube-system:clusterdns" ' +
        'cannot watch resource "pods" in API group "" at the cluster scope); not synced yet (names not loaded get SERVFAIL); retrying',
    ])
    expect(logs().join('\n')).not.toMatch(/last known records/)
    // Not synced: a name it does not know is SERVFAIL, not NXDOMAIN.
    expectReply(await dns.ask('nope.shop.svc.cluster.local', 'A'), { status: 'SERVFAIL', authority: [soa()] })
    api.forbidden.delete('pods')
    const synced = await until(() => dns.ask('nope.shop.svc.cluster.local', 'A'), (r) => r.status === 'NXDOMAIN', 15_000)
    expectReply(synced, { status: 'NXDOMAIN', authority: [soa()] })
  })

  it('watch-list where the API offers it: the initial state streamed, no list request, and again after 410', async () => {
    const logs = logsFrom()
    const api = await startApiServer([DEMO_CLUSTER], { watchList: true })
    const dns = await startServer(corefile(`endpoint ${api.url}`))
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
    expect(api.requests.filter((r) => !r.watch)).toEqual([])
    const initial = api.requests.filter((r) => r.query.sendInitialEvents === 'true')
    expect(initial.map((r) => r.path).sort()).toEqual(['/api/v1/namespaces', '/api/v1/pods', '/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices'])
    expect(initial.every((r) => r.query.resourceVersionMatch === 'NotOlderThan' && r.query.resourceVersion === undefined)).toBe(true)
    expect(logs().some((l) => l.includes('does not stream'))).toBe(false)

    // Gone: the streamed state replaces the old one (a deletion missed in between disappears).
    api.dropWatches()
    api.cluster.delete('Service', 'monitoring', 'prometheus')
    api.cluster.apply(service('shop', 'after-gone', '10.96.9.22'))
    api.cluster.compact()
    const added = await until(() => dns.ask('after-gone.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    expect(added.answer).toEqual([rr('after-gone.shop.svc.cluster.local', 'A', '10.96.9.22')])
    expect((await dns.ask('prometheus.monitoring.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    expect(api.requests.filter((r) => r.query.sendInitialEvents === 'true').length).toBeGreaterThan(initial.length)
    expect(api.requests.filter((r) => !r.watch)).toEqual([])
  })

  it('without watch-list on the API: one line per kind, then paginated lists', async () => {
    const logs = logsFrom()
    const api = await startApiServer([DEMO_CLUSTER])
    const dns = await startServer(corefile(`endpoint ${api.url}`))
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
    const fallbacks = logs().filter((l) => l.includes('does not stream'))
    expect(fallbacks.map((l) => /kubernetes: (\w+): /.exec(l)?.[1]).sort()).toEqual(['EndpointSlice', 'Namespace', 'Pod', 'Service'])
    expect(fallbacks[0]).toMatch(/\(HTTP 422 Invalid: sendInitialEvents: Forbidden: .*\); listing page by page$/)
    expect(api.requests.filter((r) => !r.watch).map((r) => r.path).sort()).toEqual(['/api/v1/namespaces', '/api/v1/pods', '/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices'])
  })

  it('refuses an object over the size limit with a log line naming it, in the initial state and later', async () => {
    const logs = logsFrom()
    const api = await startApiServer([DEMO_CLUSTER], { watchList: true })
    const huge = (name: string) => ({ ...service('shop', name, '10.96.9.23'), metadata: { name, namespace: 'shop', annotations: { filler: 'x'.repeat(2 * 2 ** 20) } } })
    api.cluster.apply(huge('huge-early'))
    const dns = await startServer(corefile(`endpoint ${api.url}`))
    api.cluster.apply(huge('huge-late'))
    api.cluster.apply(service('shop', 'small-late', '10.96.9.24'))
    await until(() => dns.ask('small-late.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    expect((await dns.ask('huge-early.shop.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    expect((await dns.ask('huge-late.shop.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
    const skipped = logs().filter((l) => l.includes('over the limit'))
    expect(skipped).toHaveLength(2)
    expect(skipped[0]).toMatch(/^\[WARNING\] plugin\/kubernetes: skipping Service shop\/huge-early: \d{7} bytes of JSON, over the limit of 1572864$/)
    expect(skipped[1]).toMatch(/skipping Service shop\/huge-late: /)
    expectReply(await dns.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [WEB] })
  })

  it('says how far a long first sync got every 5 s, then the summary', { timeout: 20_000 }, async () => {
    const logs = logsFrom()
    const api = await startApiServer([DEMO_CLUSTER])
    for (let i = 0; i < 1100; i++) api.cluster.apply(service('shop', `bulk-${i}`, `10.100.${i >> 8}.${i & 255}`))
    api.listDelayMs = 2200
    await startServer(corefile(`endpoint ${api.url}`, 'startup_timeout 10s'))
    const lines = logs()
    const progress = lines.filter((l) => l.includes('syncing for'))
    expect(progress[0]).toMatch(/^\[INFO\] plugin\/kubernetes: syncing for 5s: Service 1000 so far \(\d+\/s\)$/)
    const summary = lines.findIndex((l) => l.includes('synced 1108 services'))
    expect(summary).toBeGreaterThan(lines.indexOf(progress[0]!))
  })
})
