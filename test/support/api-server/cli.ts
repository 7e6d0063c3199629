import { statSync } from 'node:fs'
import { readManifestObjects } from '../../../src/cluster/manifest-parser.js'
import { FakeApiServer } from './fake-api-server.js'
import { FakeCluster, resourceOf, type KubeObject } from './fake-cluster.js'

/**
 * A Kubernetes API server for trying the API path without a cluster:
 *   npm run api-server -- [--port N] FILE…
 * serves the Namespaces, Services, EndpointSlices and Pods in FILE… (re-read when they change,
 * each change becoming watch events), e.g. for `kubernetes { endpoint http://127.0.0.1:N }`.
 */
const args = process.argv.slice(2)
const portFlag = args.indexOf('--port')
const port = portFlag === -1 ? 8001 : Number(args.splice(portFlag, 2)[1])
const files = args
if (files.length === 0) {
  process.stderr.write('usage: api-server [--port N] FILE…\n')
  process.exit(2)
}

const cluster = new FakeCluster()
const key = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`
let served = new Map<string, KubeObject>()

function load(): void {
  const next = new Map<string, KubeObject>()
  for (const file of files) {
    for (const obj of readManifestObjects(file) as KubeObject[]) {
      if (resourceOf(obj) && obj.metadata?.name) next.set(key(obj), { ...obj, metadata: { ...obj.metadata, namespace: obj.kind === 'Namespace' ? undefined : (obj.metadata.namespace ?? 'default') } })
    }
  }
  for (const [k, obj] of next) if (JSON.stringify(served.get(k)) !== JSON.stringify(obj)) cluster.apply(obj)
  for (const [k, obj] of served) if (!next.has(k)) cluster.delete(obj.kind!, obj.metadata.namespace, obj.metadata.name)
  served = next
  process.stdout.write(`serving ${next.size} objects at resourceVersion ${cluster.resourceVersion}\n`)
}

const stamp = (): string => files.map((f) => statSync(f).mtimeMs).join(',')
let lastStamp = stamp()
load()
setInterval(() => {
  try {
    if (stamp() === lastStamp) return
    lastStamp = stamp()
    load()
  } catch (err) {
    process.stderr.write(`${(err as Error).message}; keeping what was served\n`)
  }
}, 500)

const server = new FakeApiServer(cluster, { bookmarkIntervalMs: 10_000, watchList: true })
await server.listen(port)
process.stdout.write(`Kubernetes API (test server) at ${server.url}\n`)
