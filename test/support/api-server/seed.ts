import { readManifestObjects } from '../../../src/cluster/manifest-parser.js'
import { stoppedAfterEach } from '../lifetimes.js'
import { FakeApiServer, type FakeApiServerOptions } from './fake-api-server.js'
import { FakeCluster, resourceOf, type KubeObject } from './fake-cluster.js'

/** A test API server holding the objects of manifest files, listening on a free loopback port. */
export async function startApiServer(files: readonly string[], options: FakeApiServerOptions & { historyLimit?: number } = {}): Promise<FakeApiServer> {
  const cluster = new FakeCluster(options.historyLimit)
  for (const file of files) {
    for (const obj of readManifestObjects(file) as KubeObject[]) {
      if (!resourceOf(obj)) continue
      const namespace = obj.kind === 'Namespace' ? undefined : (obj.metadata.namespace ?? 'default')
      cluster.apply({ ...obj, metadata: { ...obj.metadata, namespace } })
    }
  }
  const server = new FakeApiServer(cluster, { ...options, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000 })
  await server.listen()
  return server
}

/** For a file whose tests start their own API servers: `startApiServer`, each closed after its test. */
export const apiServerForEach = (): typeof startApiServer => stoppedAfterEach(startApiServer, (api) => api.close())

export const service = (namespace: string, name: string, clusterIP: string, labels: Record<string, string> = {}): KubeObject => ({
  kind: 'Service',
  apiVersion: 'v1',
  metadata: { name, namespace, labels },
  spec: { clusterIP, clusterIPs: [clusterIP], ports: [{ name: 'http', port: 80, protocol: 'TCP' }], selector: { app: name } },
})
