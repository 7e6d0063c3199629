// One side of bench/api-source-memory.ts, in its own process so its memory is its own:
//   clusterdns URL: our API source feeding the record store (src/ bundled by the parent, as dist/ is)
//   lists URL:      the same with watch-list off (paginated lists)
//   informer URL:   @kubernetes/client-node's makeInformer, the library's way, for comparison
// It reports over IPC: 'synced' (time to ready, memory after GC, peak RSS while syncing),
// then answers 'peak-start'/'peak-report' (peak RSS in a window) and, for clusterdns, 'burst'
// (when each of a set of slices was applied to the store).
const { ApiSource, resolveApiTarget, RecordStore, setLogSink } = await import(process.env.BENCH_API_PARTS)

const [mode, url] = process.argv.slice(2)
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
setLogSink(() => {})

let peak = 0
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss())
}, 5)

const sliceApplied = new Map()
const send = (type, data) => process.send({ type, ...data })

async function startClusterdns(watchList) {
  class TimedStore extends RecordStore {
    set(kind, record) {
      const changed = super.set(kind, record)
      if (changed && kind === 'slice' && this.synced) sliceApplied.set(record.name, performance.timeOrigin + performance.now())
      return changed
    }
  }
  const store = new TimedStore()
  const filter = { labels: null, namespaceLabels: null, endpoints: true, pods: true }
  new ApiSource(await resolveApiTarget({ endpoint: url, tls: null, kubeconfig: null }), store, filter, quiet, { watchList }).start()
  while (!store.synced) await new Promise((r) => setTimeout(r, 5))
  return { services: store.count('service'), slices: store.count('slice'), pods: store.count('pod') }
}

async function startInformers() {
  // Imported here: its ~85 MiB must not count against our source's runs.
  const { CoreV1Api, DiscoveryV1Api, KubeConfig, makeInformer } = await import('@kubernetes/client-node')
  const kc = new KubeConfig()
  kc.loadFromClusterAndUser({ name: 'bench', server: url, skipTLSVerify: true }, { name: 'bench' })
  const core = kc.makeApiClient(CoreV1Api)
  const discovery = kc.makeApiClient(DiscoveryV1Api)
  const informers = [
    makeInformer(kc, '/api/v1/namespaces', () => core.listNamespace()),
    makeInformer(kc, '/api/v1/services', () => core.listServiceForAllNamespaces()),
    makeInformer(kc, '/apis/discovery.k8s.io/v1/endpointslices', () => discovery.listEndpointSliceForAllNamespaces()),
    makeInformer(kc, '/api/v1/pods', () => core.listPodForAllNamespaces({ fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' })),
  ]
  for (const informer of informers) informer.on('error', () => {})
  await Promise.all(informers.map((i) => i.start()))
  globalThis.keep = informers
  return { services: informers[1].list().length, slices: informers[2].list().length, pods: informers[3].list().length }
}

const started = Date.now()
const counts = mode === 'informer' ? await startInformers() : await startClusterdns(mode === 'clusterdns')
const syncedAt = Date.now()
const readyMs = syncedAt - started
const syncPeak = peak
for (let i = 0; i < 3; i++) globalThis.gc()
const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage()
const { heapTotal } = process.memoryUsage()
send('synced', { syncedAt, readyMs, heapUsed, heapTotal, rss, external, arrayBuffers, syncPeak, counts })

process.on('message', (msg) => {
  if (msg.type === 'peak-start') peak = process.memoryUsage.rss()
  else if (msg.type === 'peak-report') send('peak', { peak })
  else if (msg.type === 'burst-report') send('burst', { applied: Object.fromEntries(sliceApplied) })
  else if (msg.type === 'exit') {
    clearInterval(sampler)
    process.exit(0)
  }
})
