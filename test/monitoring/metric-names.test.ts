import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CLUSTER } from '../support/cluster.js'
import { kubernetes, serverBlock } from '../support/corefile.js'
import { startCli, tempFile, type RunningCli } from '../support/cli-process.js'
import { dig } from '../support/dig.js'
import { freePort } from '../support/ports.js'
import { metricNamesOf } from '../support/promql-names.js'
import { MANIFESTS, renderManifests } from '../support/kustomize.js'
import { startApiServer } from '../support/api-server/seed.js'
import { startUnbound, type RunningUnbound } from '../support/unbound.js'
import { until } from '../support/until.js'
import type { FakeApiServer } from '../support/api-server/fake-api-server.js'

/** Every PromQL expression the monitoring component ships: alert rules, dashboard panels and variables. */
function shippedExpressions(): Array<{ where: string; expr: string }> {
  const rule = renderManifests({ components: ['components/monitoring'] }).find((o) => o.kind === 'PrometheusRule')!
  const rules = (rule.spec.groups as Array<{ rules: Array<{ alert: string; expr: string }> }>).flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })))
  const dashboard = JSON.parse(readFileSync(join(MANIFESTS, 'components/monitoring/dashboard.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string }> }>
    templating: { list: Array<{ name: string; query?: { query: string } | string }> }
  }
  const panels = dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel ${p.title}`, expr: t.expr })))
  const variables = dashboard.templating.list.flatMap((v) => (typeof v.query === 'object' ? [{ where: `variable ${v.name}`, expr: v.query.query.replace(/^label_values\((.*),\s*\w+\)$/, '$1') }] : []))
  return [...rules, ...panels, ...variables]
}

/** Families declared in a Prometheus text exposition, with the label names their samples carry. */
function parseExposition(text: string): Map<string, { type: string; labels: Set<string>; samples: number }> {
  const families = new Map<string, { type: string; labels: Set<string>; samples: number }>()
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(name!, { type: type!, labels: new Set(), samples: 0 })
  for (const [, name, labels] of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/gm)) {
    const family = families.get(name!) ?? families.get(name!.replace(/_(bucket|sum|count)$/, ''))
    if (!family) continue
    family.samples++
    for (const [, key] of (labels ?? '').matchAll(/(\w+)="/g)) family.labels.add(key!)
  }
  return families
}

let api: FakeApiServer
let upstream: RunningUnbound
let server: RunningCli
let exposition: ReturnType<typeof parseExposition>

beforeAll(async () => {
  api = await startApiServer([DEMO_CLUSTER])
  upstream = await startUnbound({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] }, '127.0.0.1', await freePort())
  const [dnsPort, metricsPort] = [await freePort(), await freePort()]
  const corefile = serverBlock(
    ['debug', `prometheus 127.0.0.1:${metricsPort}`, 'cache 30', kubernetes([`endpoint ${api.url}`], 'cluster.local in-addr.arpa ip6.arpa'), `forward . 127.0.0.1:${upstream.port}`],
    { port: dnsPort },
  )
  const env = { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'clusterdns-home-')) }
  server = startCli(['-conf', tempFile('Corefile', corefile)], { env })
  expect(await server.waitForOutput('clusterdns-'), server.stderr).toBe(true)
  // The last is a search-path expansion of api.example.com (ndots:5): the waste the dashboard shows.
  for (const name of ['kubernetes.default.svc.cluster.local', 'kubernetes.default.svc.cluster.local', 'api.example.com', 'nothing.default.svc.cluster.local', 'api.example.com.default.svc.cluster.local']) {
    await dig(name, 'A', { port: dnsPort })
  }
  // An endpoint change as the EndpointSlice controller writes it: what DNS programming time measures.
  api.cluster.apply({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-ipv4-abcde', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' }, annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString() } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.11'], conditions: { ready: true } }],
  })
  const scrape = async () => parseExposition(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text())
  exposition = await until(scrape, (e) => (e.get('coredns_kubernetes_dns_programming_duration_seconds')?.samples ?? 0) > 0)
}, 30_000)

afterAll(async () => {
  await server?.stop()
  await upstream?.stop()
  await api?.close()
})

/** `up` is made by Prometheus for every target; everything else must come from the server. */
const FROM_PROMETHEUS = new Set(['up'])
/** Labeled counters that have no sample until the event they count happens. */
const ONLY_AFTER_EVENT = new Set(['coredns_proxy_healthcheck_failures_total'])

describe('the metrics the alerts and the dashboard read are ones a running server exports', () => {
  const expressions = shippedExpressions()

  it('finds the expressions and their names', () => {
    expect(expressions.length).toBeGreaterThan(20)
    expect(metricNamesOf('histogram_quantile(0.99, sum by (le, to) (rate(a_bucket{job="x", le=~"1"}[5m]))) / on (to) b_total > bool 4')).toEqual(['a_bucket', 'b_total'])
  })

  it('every name is a family of the scrape (a histogram through _bucket, _sum or _count), with samples', () => {
    const missing: string[] = []
    for (const { where, expr } of expressions) {
      for (const name of metricNamesOf(expr)) {
        if (FROM_PROMETHEUS.has(name)) continue
        const histogram = /_(bucket|sum|count)$/.test(name) ? exposition.get(name.replace(/_(bucket|sum|count)$/, '')) : undefined
        const family = exposition.get(name) ?? (histogram?.type === 'histogram' ? histogram : undefined)
        if (!family) missing.push(`${where}: ${name} is not exported`)
        else if (family.samples === 0 && !ONLY_AFTER_EVENT.has(name)) missing.push(`${where}: ${name} has no sample`)
      }
    }
    expect(missing).toEqual([])
  })

  it('every label an expression selects on is one the family carries (job and instance come from Prometheus)', () => {
    const wrong: string[] = []
    for (const { where, expr } of expressions) {
      for (const [, name, selector] of expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)) {
        const family = exposition.get(name!) ?? exposition.get(name!.replace(/_(bucket|sum|count)$/, ''))
        if (!family || family.samples === 0) continue
        for (const [, label] of selector!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) {
          if (!['job', 'instance'].includes(label!) && !family.labels.has(label!)) wrong.push(`${where}: ${name} has no label ${label}`)
        }
      }
    }
    expect(wrong).toEqual([])
  })

  it('the API source is really running: clusterdns_kubernetes_api_up is 1 and answers came from the API', () => {
    expect(exposition.get('clusterdns_kubernetes_api_up')).toMatchObject({ type: 'gauge', samples: 1 })
    expect(api.requests.some((r) => r.path.includes('/services'))).toBe(true)
  })

  it('with debug, the API source says what it listed and where its watches resume', () => {
    for (const kind of ['Service', 'EndpointSlice', 'Namespace']) {
      expect(server.stdout).toMatch(new RegExp(`^\\[DEBUG\\] plugin/kubernetes: ${kind}: listed \\d+ at resourceVersion \\d+$`, 'm'))
      expect(server.stdout).toMatch(new RegExp(`^\\[DEBUG\\] plugin/kubernetes: ${kind}: watching from resourceVersion \\d+$`, 'm'))
    }
  })

  it('the check would catch a misspelt name', () => {
    expect(exposition.get('coredns_dns_request_total')).toBeUndefined()
    expect(exposition.get('coredns_forward_request_duration_seconds')).toBeUndefined()
  })
})
