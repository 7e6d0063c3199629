import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { kubernetes, serverBlock } from '../support/corefile.js'
import { logLines, serverForEach } from '../support/dns-server.js'
import type { DigReply } from '../support/dig.js'
import { until } from '../support/until.js'

const startServer = serverForEach()

const corefile = (manifests: string): string => serverBlock([kubernetes([`manifests ${manifests}`, 'startup_timeout 100ms'])])
const service = (name: string, ip: string): string =>
  `apiVersion: v1\nkind: Service\nmetadata: { name: ${name}, namespace: apps }\nspec: { clusterIP: ${ip}, ports: [{ port: 80 }] }\n`

/** The source polls files twice a second: wait up to 5 s for a change to show. */
const waitFor = (ask: () => Promise<DigReply>, done: (r: DigReply) => boolean): Promise<DigReply> => until(ask, done, 5000, 100)

describe('manifest files as a source', () => {
  it('reads every file of a folder, multi-document and List, inferring namespaces', async () => {
    const server = await startServer(corefile('cluster'))
    const dir = join(server.dir, 'cluster')
    mkdirSync(dir)
    writeFileSync(join(dir, 'a.yaml'), `${service('one', '10.96.1.1')}---\n${service('two', '10.96.1.2')}`)
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ kind: 'List', items: [{ kind: 'Service', metadata: { name: 'three', namespace: 'apps' }, spec: { clusterIP: '10.96.1.3' } }] }))
    writeFileSync(join(dir, 'notes.txt'), 'not a manifest')
    const three = await waitFor(() => server.ask('three.apps.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR')
    expect(three.answer).toEqual(['three.apps.svc.cluster.local. 5 IN A 10.96.1.3'])
    expect((await server.ask('one.apps.svc.cluster.local', 'A')).answer).toEqual(['one.apps.svc.cluster.local. 5 IN A 10.96.1.1'])
    expect((await server.ask('apps.svc.cluster.local', 'A')).status).toBe('NOERROR')
  })

  it('applies a change, keeps serving through a bad file, and skips a bad object with a log line', async () => {
    logLines.length = 0
    const server = await startServer(corefile('cluster.yaml'), { 'cluster.yaml': service('web', '10.96.2.1') })
    const ask = (): Promise<DigReply> => server.ask('web.apps.svc.cluster.local', 'A')
    expect((await ask()).answer).toEqual(['web.apps.svc.cluster.local. 5 IN A 10.96.2.1'])

    // Replaced the way editors and ConfigMap updates do it: a new file renamed over the old.
    const file = join(server.dir, 'cluster.yaml')
    writeFileSync(`${file}.new`, service('web', '10.96.2.2'))
    renameSync(`${file}.new`, file)
    expect((await waitFor(ask, (r) => r.answer[0]?.endsWith('10.96.2.2') ?? false)).answer).toEqual(['web.apps.svc.cluster.local. 5 IN A 10.96.2.2'])

    writeFileSync(file, 'kind: Service\nmetadata: [unclosed\n')
    await until(async () => logLines.some((l) => l.includes('keeping the previous records')), Boolean)
    expect(logLines.find((l) => l.includes('keeping the previous records'))).toMatch(/^\[ERROR\] plugin\/kubernetes: .*cluster\.yaml: line \d+/)
    expect((await ask()).answer).toEqual(['web.apps.svc.cluster.local. 5 IN A 10.96.2.2'])

    writeFileSync(file, `${service('web', '10.96.2.3')}---\n${service('broken', 'not-an-ip')}`)
    expect((await waitFor(ask, (r) => r.answer[0]?.endsWith('10.96.2.3') ?? false)).answer).toEqual(['web.apps.svc.cluster.local. 5 IN A 10.96.2.3'])
    expect(logLines).toContainEqual(expect.stringMatching(/^\[WARNING\] plugin\/kubernetes: .*cluster\.yaml: skipping Service apps\/broken: "not-an-ip" is not an IP address/))
  })
})
