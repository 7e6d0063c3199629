import type { RecordStore, ServiceEndpoint } from '../cluster/record-store.js'
import type { Directive } from '../config/corefile.js'
import type { DnsQuery, Reply, ResourceRecord } from '../dns/message.js'
import type { HttpRoute } from '../http/http-route.js'
import type { Lifecycle } from '../lifecycle.js'
import type { TransportSettings } from '../transport-settings.js'

/** Answers a query; the last link of every chain refuses what no plugin answered. */
export type Handler = (query: DnsQuery) => Reply | Promise<Reply>

/** A plugin's place in the chain: given the next handler, the handler to call instead. */
export type Middleware = (next: Handler) => Handler

/** A query that was answered, as observers (metrics, logs) see it. */
export interface AnsweredQuery {
  readonly query: DnsQuery
  readonly reply: Reply
  readonly requestSize: number
  /** The reply as sent (its size and header flags); read it during the call: a replay's bytes are reused. */
  readonly response: Buffer
  readonly durationSeconds: number
}

export type QueryObserver = (answered: AnsweredQuery) => void

/** Where a server block's queries arrive: the labels CoreDNS puts on its metrics. */
export interface ServingLabels {
  /** `dns://ADDRESS:PORT` (`dns://:53` on every address). */
  readonly server: string
  /** The block's zone with its trailing dot (`.`, `cluster.local.`). */
  readonly zone: string
}

/** Where a query for a name goes: the server block (its keys), the zone and the block's chain. */
export interface BlockRoute {
  readonly block: string
  readonly zone: string
  readonly handler: Handler
}

/** An API object a record was made from, as `explain` shows it. */
export interface SourceObject {
  readonly kind: string
  readonly namespace: string
  readonly name: string
  readonly resourceVersion: string
  /** Unix seconds when the store last changed the record made from it. */
  readonly changedAt: number | null
}

/** The kubernetes plugin's answer for a name, with why (its trace note, and what `explain` asks). */
export interface ExplainedLookup {
  readonly name: string
  readonly zone: string
  readonly rcode: number
  /** Why there is no answer record (NXDOMAIN, NODATA, SERVFAIL before the first sync). */
  readonly reason: { readonly code: string; readonly text: string } | null
  readonly records: readonly { readonly record: ResourceRecord; readonly sources: readonly SourceObject[] }[]
}

/** What a plugin's setup knows of the server block it is in. */
export interface BlockContext {
  /** The zones of the block's keys (lower case, no trailing dot; '' is the root). */
  readonly zones: readonly string[]
  /** The Corefile's folder: relative paths in directives resolve against it. */
  readonly configDir: string
  /** The process's readiness and shutdown state. */
  readonly lifecycle: Lifecycle
  /** The block's first server address as metrics name it (`dns://:53`; before `bind` is applied). */
  readonly server: string
  /** Asks the block's own chain (cache, forward…) a question, as CoreDNS's upstream lookups do. */
  readonly resolve: (name: string, type: number) => Promise<Reply>
  /** Another plugin of the same block, once every plugin is set up (null when the block has none). */
  readonly plugin: (name: string) => PluginInstance | null
  /** The route a query for `name` takes arriving where this block's first listener is, once the plan is built. */
  readonly route: (name: string) => BlockRoute | null
}

/** What the kubernetes plugin lets `k8s_external` read of its records. */
export interface ClusterView {
  readonly store: RecordStore
  /** Whether answers may name this namespace (it exists, and `namespaces` allows it). */
  namespaceExposed(namespace: string): boolean
  /** The label an endpoint is known by under its service (hostname, pod name or dashed address). */
  endpointName(ep: ServiceEndpoint): string
  /** This server's own pod addresses. */
  readonly ownAddresses: readonly string[]
}

/** A plugin set up for one server block. Every part is optional. */
export interface PluginInstance {
  readonly middleware?: Middleware
  /** Query classes besides IN the plugin answers (chaos: CH); a block refuses the others. */
  readonly classes?: readonly number[]
  /** How the block's listeners treat clients (`timeouts`, `limits`): what it sets of them. */
  readonly transport?: Partial<TransportSettings>
  /** Addresses the block listens on (the `bind` directive). */
  readonly listenAddresses?: readonly string[]
  /** An observer of every query the block answers on a listener (bound to `localAddress`, '' for every address). */
  readonly observe?: (labels: ServingLabels, localAddress: string) => QueryObserver
  /** HTTP paths the plugin serves. */
  readonly httpRoutes?: readonly HttpRoute[]
  /** Whether the plugin can answer yet (sources synced); absent means always. */
  ready?(): boolean
  /** `health { lameduck }`: how long to keep serving after SIGTERM. */
  readonly lameduckMs?: number
  /** Called once the DNS listeners are up, with where they are (the loop probe asks them). */
  onListening?(listeners: readonly { readonly address: string; readonly port: number; readonly zones: readonly string[] }[]): void
  /**
   * The search path of the client at `address` (its pod's namespace first), or null when the
   * address is no known pod: what `autopath @kubernetes` asks of the kubernetes plugin.
   */
  searchPath?(address: string): readonly string[] | null
  /** The kubernetes plugin's records, for `k8s_external`. */
  readonly cluster?: ClusterView
  /** The kubernetes plugin's first forward zone (what search-path metrics look under). */
  readonly clusterZone?: string
  /** The kubernetes plugin's answer for a name of its zones, with why; null outside them. */
  explainName?(name: string, type: number): ExplainedLookup | null
  /** `reload`: how often the Corefile is checked for changes. */
  readonly reload?: { readonly intervalMs: number; readonly jitterMs: number }
  /** Starts background work (sources); resolves when the plugin is ready to serve. */
  start?(): Promise<void>
  /** Stops background work; the instance is not used again. */
  stop?(): void
}

export interface PluginDefinition {
  readonly name: string
  /** The directive may appear only once in a server block (CoreDNS's plugin.ErrOnce). */
  readonly once?: boolean
  /** Reads every use of the directive in one server block; throws ConfigError on bad input. */
  setup(uses: readonly Directive[], block: BlockContext): PluginInstance
}
