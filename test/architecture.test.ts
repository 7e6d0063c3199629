import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../src')

/**
 * The layers, lowest first; a module imports only from its own layer or lower ones. Plugins do not
 * import each other: they share code through src/plugins/pkg and meet at run time through the
 * block context. The server builds chains from the plugin order, so it sits above the plugins.
 */
const LAYERS: ReadonlyArray<readonly [string, RegExp]> = [
  ['base', /^(?!main\.ts$)[^/]+\.ts$|^(dns|metrics)\//],
  ['config, cluster, http', /^(config|cluster|http)\//],
  ['plugins', /^plugins\//],
  ['server', /^server\//],
  ['main', /^main\.ts$/],
]

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [relative(SRC, path)] : []
  })
}

/** Every relative import of a module (static, re-export, side-effect and dynamic), as src paths. */
function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.[^']+)'/gm)].map((m) => m[1]!)
  return specifiers.map((s) => relative(SRC, resolve(SRC, dirname(file), s)).replace(/\.js$/, '.ts'))
}

function layerOf(file: string): number {
  const index = LAYERS.findIndex(([, pattern]) => pattern.test(file))
  if (index < 0) throw new Error(`${file} belongs to no layer: add it to LAYERS`)
  return index
}

const pluginFolder = (file: string): string | null => /^plugins\/([^/]+)\//.exec(file)?.[1] ?? null

/** A cycle in the import graph as a path (first file repeated at the end), or null. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>()
  const path: string[] = []
  const visit = (file: string): string[] | null => {
    if (state.get(file) === 'done') return null
    if (state.get(file) === 'open') return [...path.slice(path.indexOf(file)), file]
    state.set(file, 'open')
    path.push(file)
    for (const next of graph.get(file) ?? []) {
      const cycle = visit(next)
      if (cycle) return cycle
    }
    path.pop()
    state.set(file, 'done')
    return null
  }
  for (const file of graph.keys()) {
    const cycle = visit(file)
    if (cycle) return cycle
  }
  return null
}

function layerViolations(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const problems: string[] = []
  for (const [file, imports] of graph) {
    for (const target of imports) {
      if (layerOf(target) > layerOf(file)) problems.push(`${file} (${LAYERS[layerOf(file)]![0]}) imports ${target} (${LAYERS[layerOf(target)]![0]})`)
      const from = pluginFolder(file)
      const to = pluginFolder(target)
      if (from && to && to !== from && to !== 'pkg') problems.push(`plugin ${from} imports plugin ${to} (${target})`)
    }
  }
  return problems
}

const texts = new Map(sourceFiles(SRC).map((file) => [file, readFileSync(join(SRC, file), 'utf8')]))
const graph = new Map([...texts].map(([file, text]) => [file, importsOf(file, text)]))

describe('the import graph of src/', () => {
  it('reads the imports it checks', () => {
    // The checks below are only worth something if the graph is really read.
    expect(graph.get('server/server-plan.ts')).toEqual(expect.arrayContaining(['plugins/order.ts', 'config/corefile.ts']))
    expect(graph.get('plugins/kubernetes/setup.ts')).toContain('cluster/api/api-source.ts')
  })

  it('has no cycle', () => {
    expect(findCycle(graph)).toBeNull()
  })

  it('imports only downwards: config parses, the server builds, plugins meet through pkg', () => {
    expect(layerViolations(graph)).toEqual([])
  })

  it('reads and writes the wire by hand in src/dns: nothing in src/ imports dns-packet (the tests check with it)', () => {
    const importsDnsPacket = (text: string): boolean => /from 'dns-packet'/.test(text)
    expect(importsDnsPacket(readFileSync(resolve(import.meta.dirname, 'support/raw-client.ts'), 'utf8'))).toBe(true)
    expect([...texts].filter(([, text]) => importsDnsPacket(text)).map(([file]) => file)).toEqual([])
  })

  it('would catch a cycle and an upward import', () => {
    const bad = new Map(graph)
    bad.set('config/corefile.ts', [...graph.get('config/corefile.ts')!, 'server/server-plan.ts'])
    bad.set('plugins/cache/handler.ts', [...graph.get('plugins/cache/handler.ts')!, 'plugins/forward/upstream.ts'])
    expect(findCycle(bad)).not.toBeNull()
    expect(layerViolations(bad).sort()).toEqual([
      'config/corefile.ts (config, cluster, http) imports server/server-plan.ts (server)',
      'plugin cache imports plugin forward (plugins/forward/upstream.ts)',
    ])
  })
})
