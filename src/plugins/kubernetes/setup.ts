import { setTimeout as sleep } from 'node:timers/promises'
import { onBurstEnd } from '../../burst-release.js'
// The plugin's metric families are registered whenever it is configured, as in CoreDNS,
// not only once the (lazily loaded) API source starts.
import '../../cluster/api/api-metrics.js'
import type { SourceFilter } from '../../cluster/source-filter.js'
import { RecordStore } from '../../cluster/record-store.js'
import { canonicalIP } from '../../dns/address.js'
import { createLogger } from '../../log.js'
import type { PluginDefinition } from '../plugin.js'
import { kubernetesMiddleware } from './handler.js'
import { ZoneLookup } from './lookup.js'
import { parseKubernetesOptions } from './options.js'
import { ownAddresses } from './own-addresses.js'
import { hostSearchDomains } from '../pkg/resolv-conf.js'
import { endpointName } from './endpoint-name.js'
import { SnapshotKeeper } from './snapshot-keeper.js'

const SYNC_POLL_MS = 20

export const kubernetes: PluginDefinition = {
  name: 'kubernetes',
  once: true,
  setup(uses, block) {
    const log = createLogger('plugin/kubernetes')
    const options = parseKubernetesOptions(uses[0]!, block, log.warn)
    const store = new RecordStore()
    const filter: SourceFilter = {
      labels: options.labels,
      namespaceLabels: options.namespaceLabels,
      endpoints: !options.noEndpoints,
      pods: options.pods === 'verified',
    }
    let source: { start(): void; stop(): void } | null = null
    const own = ownAddresses()
    // Read once, as CoreDNS does at setup: a reload reads it again.
    const hostSearch = hostSearchDomains()
    const zones = new ZoneLookup(options, store, own)
    const snapshot = options.snapshot ? new SnapshotKeeper(options.snapshot, store, log) : null
    const { middleware, explainName, forget } = kubernetesMiddleware(options, store, zones, block.resolve)
    let released: (() => void) | null = null
    return {
      middleware,
      explainName,
      clusterZone: options.primaryZone,
      // Serving starts once synced, or after startup_timeout; until synced NXDOMAIN is SERVFAIL.
      // The API configuration is read here, not at setup, so -validate works away from the cluster;
      // the client library (~85 MiB of RSS) is loaded only for a kubeconfig.
      async start() {
        // A flood of one-off names fills the lookup memo (up to 50,000 lookups) as much as the answer cache.
        released = onBurstEnd(forget)
        if (options.manifests.length > 0) {
          // Loaded only for files: the YAML parser costs an API-fed server ~2 MiB for nothing.
          const { ManifestSource } = await import('../../cluster/manifest-source.js')
          source = new ManifestSource(options.manifests, store, filter, options.manifestMaxBytes, log)
        } else {
          const [{ ApiSource }, { resolveApiTarget }] = await Promise.all([import('../../cluster/api/api-source.js'), import('../../cluster/api/kube-config.js')])
          source = new ApiSource(await resolveApiTarget(options.connection), store, filter, log)
        }
        source.start()
        const deadline = Date.now() + options.startupTimeoutMs
        while (!store.synced && Date.now() < deadline) await sleep(SYNC_POLL_MS)
        if (!store.synced) {
          log.warn(`starting server with unsynced records after ${options.startupTimeoutMs}ms`)
          snapshot?.serve()
        }
        snapshot?.start()
      },
      stop() {
        released?.()
        source?.stop()
        snapshot?.stop()
      },
      ready: () => store.synced,
      cluster: {
        store,
        namespaceExposed: (namespace) => zones.namespaceExposed(namespace),
        endpointName: (ep) => endpointName(ep, options.endpointPodNames),
        ownAddresses: own,
      },
      // A pod's search path for autopath, as CoreDNS builds it: the contract's <ns>.svc.<zone>
      // svc.<zone> <zone>, then the search domains of this server's own resolv.conf.
      searchPath(address) {
        if (options.pods !== 'verified') return null
        const ip = canonicalIP(address)
        const pod = ip === null ? undefined : store.podsWithIP(ip)[0]
        if (!pod) return null
        const zone = options.primaryZone
        return [`${pod.namespace}.svc.${zone}`, `svc.${zone}`, zone, ...hostSearch]
      },
    }
  },
}
