import { DEMO_CLUSTER, LAB_CLUSTER } from './cluster.js'

/** A directive with a block: `head {`, one line each, `}`, indented to sit in a server block. */
export const block = (head: string, lines: readonly string[]): string => `${head} {\n${lines.map((line) => `    ${line}\n`).join('')}  }`

/** The kubernetes directive; by default cluster.local from the demo cluster's manifests. */
export const kubernetes = (lines: readonly string[] = [`manifests ${DEMO_CLUSTER}`], zones = 'cluster.local'): string => block(`kubernetes ${zones}`, lines)

/**
 * A Corefile of one server block for the root zone: on `port` (0: a free one) of the loopback
 * address `bind`, then `directives`, one a line, as given.
 */
export function serverBlock(directives: readonly string[], { port = 0, bind = '127.0.0.1' }: { port?: number; bind?: string } = {}): string {
  return `.:${port} {\n  bind ${bind}\n${directives.map((directive) => `  ${directive}\n`).join('')}}\n`
}

/** kubernetes serving both fixture files, with extra options. */
export const clusterKubernetes = (options = '', zones = 'cluster.local in-addr.arpa ip6.arpa'): string =>
  kubernetes([`manifests ${DEMO_CLUSTER} ${LAB_CLUSTER}`, options], zones)

/** A server block on a free loopback port serving both fixture files, with extra kubernetes options. */
export const clusterCorefile = (options = '', zones?: string): string => serverBlock([clusterKubernetes(options, zones)])
