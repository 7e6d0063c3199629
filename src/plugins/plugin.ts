import type { Directive } from '../config/corefile.js'
import type { DnsQuery, Reply } from '../dns/message.js'

/** Answers a query; the last link of every chain refuses what no plugin answered. */
export type Handler = (query: DnsQuery) => Reply | Promise<Reply>

/** A plugin's place in the chain: given the next handler, the handler to call instead. */
export type Middleware = (next: Handler) => Handler

/** What a plugin's setup knows of the server block it is in. */
export interface BlockContext {
  /** The zones of the block's keys (lower case, no trailing dot; '' is the root). */
  readonly zones: readonly string[]
  /** The Corefile's folder: relative paths in directives resolve against it. */
  readonly configDir: string
}

/** A plugin set up for one server block. Every part is optional. */
export interface PluginInstance {
  readonly middleware?: Middleware
  /** Addresses the block listens on (the `bind` directive). */
  readonly listenAddresses?: readonly string[]
  /** Starts background work (sources); resolves when the plugin is ready to serve. */
  start?(): Promise<void>
  /** Stops background work; the instance is not used again. */
  stop?(): void
}

export interface PluginDefinition {
  readonly name: string
  /** Reads every use of the directive in one server block; throws ConfigError on bad input. */
  setup(uses: readonly Directive[], block: BlockContext): PluginInstance
}
