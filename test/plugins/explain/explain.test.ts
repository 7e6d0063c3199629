import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { block, serverBlock } from '../../support/corefile.js'
import { serverForFile, type RunningServer } from '../../support/dns-server.js'

const CLUSTER = fileURLToPath(new URL('../../fixtures/explain-cluster.yaml', import.meta.url))
const MAIN = join(fileURLToPath(new URL('../../..', import.meta.url)), 'dist', 'main.js')

/** What `clusterdns explain NAME TYPE` prints, asking `server` (in this process: never block it). */
async function cli(server: RunningServer, name: string, type: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [MAIN, 'explain', name, type, '--server', `http://127.0.0.1:${server.runtime.http.port('127.0.0.1:0')}`], { timeout: 10_000 })
  return stdout
}

/** The explain endpoint's JSON for a question. */
async function explained(server: RunningServer, name: string, type = 'A', extra = ''): Promise<Record<string, any>> {
  const port = server.runtime.http.port('127.0.0.1:0')!
  const res = await fetch(`http://127.0.0.1:${port}/debug/explain?name=${encodeURIComponent(name)}&type=${type}${extra}`, { headers: { accept: 'application/json' } })
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, any>
}

describe('explain: why a name has no answer', () => {
  const server = serverForFile(
    serverBlock(['explain 127.0.0.1:0', block('kubernetes cluster.local 7.96.10.in-addr.arpa', [`manifests ${CLUSTER}`, 'namespaces shop', 'ignore empty_service'])]),
  )
  const cases: [string, string, string, RegExp][] = [
    ['web.other.svc.cluster.local', 'NXDOMAIN', 'namespace-not-exposed', /namespace other is not one of `namespaces shop`/],
    ['nope.shop.svc.cluster.local', 'NXDOMAIN', 'no-such-service', /no Service shop\/nope/],
    ['idle.shop.svc.cluster.local', 'NXDOMAIN', 'headless-none-ready', /headless Service shop\/idle has 0 of 2 endpoints ready/],
    ['a.b.c.web.shop.svc.cluster.local', 'NXDOMAIN', 'too-deep', /5 labels below svc/],
    ['literal.shop.svc.cluster.local', 'NXDOMAIN', 'external-name-ip', /ExternalName Service shop\/literal names an IP address/],
    ['10-244-7-5.shop.pod.cluster.local', 'NXDOMAIN', 'pods-disabled', /`pods disabled`/],
    ['empty.shop.svc.cluster.local', 'NXDOMAIN', 'empty-service', /`ignore empty_service`: Service shop\/empty has 0 of 0 endpoints ready/],
    ['www.cluster.local', 'NXDOMAIN', 'not-in-schema', /only svc and pod names/],
    ['shop.svc.cluster.local', 'NOERROR', 'namespace-only', /is a namespace/],
    ['db.shop.svc.cluster.local', 'NOERROR', 'no-records-of-type', /no TXT records/],
  ]
  for (const [name, rcode, code, text] of cases) {
    it(`${name}: ${code} over HTTP and the CLI, and the reply is what dig gets`, async () => {
      const type = code === 'no-records-of-type' ? 'TXT' : 'A'
      const e = await explained(server(), name, type)
      const dug = await server().ask(name, type)
      expect(e.reply.rcode).toBe(rcode)
      expect(dug.status).toBe(rcode)
      expect(e.answeredBy).toBe('kubernetes')
      expect(e.server).toEqual({ block: '.:0', zone: '.' })
      expect(e.reason.code).toBe(code)
      expect(e.reason.text).toMatch(text)
      expect(e.reply.authority.map(withoutSerial)).toEqual(dug.authority)
      expect([...e.reply.flags].sort()).toEqual(dug.flags)
      expect(e.reply.answer).toEqual([])
      expect(await cli(server(), name, type)).toContain(`\nwhy: ${e.reason.text} (${code})\n`)
    })
  }
})

describe('explain: names outside `namespace_labels` and `labels`', () => {
  const server = serverForFile(serverBlock(['explain 127.0.0.1:0', block('kubernetes cluster.local', [`manifests ${CLUSTER}`, 'namespace_labels team=a', 'labels dns=yes'])]))
  it('says the namespace or the Service is not selected', async () => {
    const namespace = await explained(server(), 'web.other.svc.cluster.local')
    expect(namespace.reason).toMatchObject({ code: 'namespace-not-selected', text: expect.stringMatching(/`namespace_labels` does not select it/) })
    const service = await explained(server(), 'db.shop.svc.cluster.local')
    expect(service.reason).toMatchObject({ code: 'service-not-selected', text: expect.stringMatching(/`labels` does not select it/) })
    expect((await server().ask('db.shop.svc.cluster.local', 'A')).status).toBe('NXDOMAIN')
  })
})

const withoutSerial = (line: string): string => {
  const fields = line.split(' ')
  if (fields[3] === 'SOA') fields[6] = '<serial>'
  return fields.join(' ')
}

describe('explain: where each record came from', () => {
  const server = serverForFile(
    serverBlock(['explain 127.0.0.1:0', block('kubernetes cluster.local 7.96.10.in-addr.arpa 7.244.10.in-addr.arpa', [`manifests ${CLUSTER}`, 'pods verified'])]),
  )
  const service = (namespace: string, name: string, resourceVersion: string) => ({ kind: 'Service', namespace, name, resourceVersion })
  const slice = (name: string, resourceVersion: string) => ({ kind: 'EndpointSlice', namespace: 'shop', name, resourceVersion })
  const cases: [string, string, object[]][] = [
    ['web.shop.svc.cluster.local', 'A', [service('shop', 'web', '201')]],
    ['db.shop.svc.cluster.local', 'SRV', [service('shop', 'db', '202'), slice('db-x1', '301')]],
    ['db-0.db.shop.svc.cluster.local', 'A', [service('shop', 'db', '202'), slice('db-x1', '301')]],
    ['ext.shop.svc.cluster.local', 'CNAME', [service('shop', 'ext', '205')]],
    ['10.7.96.10.in-addr.arpa', 'PTR', [service('shop', 'web', '201')]],
    ['5.7.244.10.in-addr.arpa', 'PTR', [service('shop', 'db', '202'), slice('db-x1', '301')]],
    ['127-0-0-1.shop.pod.cluster.local', 'A', [{ kind: 'Pod', namespace: 'shop', name: 'client', resourceVersion: '401' }]],
  ]
  for (const [name, type, sources] of cases) {
    it(`${type} ${name}: the record dig gets, made from ${sources.map((s) => (s as { kind: string }).kind).join(' and ')}`, async () => {
      const e = await explained(server(), name, type)
      const dug = await server().ask(name, type)
      expect(e.reply.rcode).toBe('NOERROR')
      expect([...e.reply.answer].sort()).toEqual(dug.answer)
      expect(e.reply.additional).toEqual(dug.additional)
      expect(e.reason).toBeNull()
      expect(e.records).toHaveLength(dug.answer.length)
      for (const record of e.records) {
        expect(record.sources).toEqual(sources.map((s) => ({ ...s, changedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) })))
        // The store stamped it when it took the record in, moments ago.
        for (const s of record.sources) expect(Date.now() - Date.parse(s.changedAt)).toBeLessThan(60_000)
      }
      const printed = await cli(server(), name, type)
      for (const record of e.records) {
        const from = record.sources.map((s: Record<string, string>) => `  from ${s.kind} ${s.namespace}/${s.name}, resourceVersion ${s.resourceVersion}, changed ${s.changedAt}\n`)
        expect(printed).toContain(`\n${record.record}\n${from.join('')}`)
      }
    })
  }

  it('a dot inside a label is a byte of that label, as on the wire: web\\.shop is no Service name', async () => {
    const e = await explained(server(), 'web\\.shop.svc.cluster.local')
    const dug = await server().ask('web\\.shop.svc.cluster.local', 'A')
    expect(e.reply.rcode).toBe('NXDOMAIN')
    expect(dug.status).toBe('NXDOMAIN')
    expect(e.reply.answer).toEqual([])
  })

  it('a record made from the name alone has no source', async () => {
    const e = await explained(server(), 'dns-version.cluster.local', 'TXT')
    expect(e.reply.answer).toEqual(['dns-version.cluster.local. 28800 IN TXT "1.1.0"'])
    expect(e.records).toEqual([{ record: e.reply.answer[0], sources: [] }])
  })

  it('answers in plain words unless JSON is asked for, and refuses a bad question with 400', async () => {
    const port = server().runtime.http.port('127.0.0.1:0')!
    const text = await (await fetch(`http://127.0.0.1:${port}/debug/explain?name=db.shop.svc.cluster.local&type=SRV`)).text()
    expect(text).toContain('server block .:0, zone .; answered by kubernetes')
    expect(text).toContain('db.shop.svc.cluster.local. 5 IN SRV 0 100 5432 db-0.db.shop.svc.cluster.local.\n  from Service shop/db, resourceVersion 202, changed 20')
    expect(text).toContain('  from EndpointSlice shop/db-x1, resourceVersion 301')
    const json = await fetch(`http://127.0.0.1:${port}/debug/explain?name=db.shop.svc.cluster.local&type=SRV&format=json`)
    expect(json.headers.get('content-type')).toBe('application/json')
    for (const bad of ['name=', `name=${'a'.repeat(64)}.cluster.local`, `name=${encodeURIComponent('a\\256.cluster.local')}`, `name=${encodeURIComponent(`${'a\\.'.repeat(32)}a.cluster.local`)}`, 'name=x.cluster.local&type=BOGUS', 'name=x.cluster.local&client=not-an-ip']) {
      const res = await fetch(`http://127.0.0.1:${port}/debug/explain?${bad}`)
      expect(res.status, bad).toBe(400)
    }
  })
})
