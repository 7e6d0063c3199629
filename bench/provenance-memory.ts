/**
 * Issue 14: what keeping each record's provenance (resourceVersion and change time) costs. Fills a
 * RecordStore with PODS pods through `set`, as the API source does, twice in one run: the baseline
 * with records as they were before (resourceVersion '' shared, as manifests without one give), then
 * with a distinct realistic resourceVersion per pod. The store stamps `changedAt` on both, so the
 * difference is the string; the two extra fields' slots are measured against plain objects of the
 * old shape. Reports heap bytes per record (median of RUNS).
 *
 *   npx tsx --expose-gc bench/provenance-memory.ts [PODS] [RUNS]      (default 150000 3)
 */
import { RecordStore } from '../src/cluster/record-store.js'
import type { PodRecord } from '../src/cluster/records.js'
import { median } from './median.js'

const [pods = 150_000, runs = 3] = process.argv.slice(2).map(Number)
const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('run with --expose-gc')

const ip = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
const namespaces = Array.from({ length: 200 }, (_, i) => `ns-${i}`)

function heapAfter(build: () => unknown): number {
  gc!()
  const before = process.memoryUsage().heapUsed
  const kept = build()
  gc!()
  const used = process.memoryUsage().heapUsed - before
  if (!kept) throw new Error('nothing kept')
  return used
}

const shapes: Record<string, () => unknown> = {
  'plain objects, old shape {namespace,name,ips}': () => {
    const m = new Map<string, object>()
    for (let i = 0; i < pods; i++) m.set(`${namespaces[i % 200]}/pod-${i}`, { namespace: namespaces[i % 200]!, name: `pod-${i}`, ips: [ip(i)] })
    return m
  },
  'plain objects, new shape (+resourceVersion, changedAt)': () => {
    const m = new Map<string, object>()
    for (let i = 0; i < pods; i++) {
      m.set(`${namespaces[i % 200]}/pod-${i}`, { namespace: namespaces[i % 200]!, name: `pod-${i}`, resourceVersion: String(480_000_000 + i), ips: [ip(i)], changedAt: 1_764_000_000 })
    }
    return m
  },
  "store, resourceVersion '' (baseline)": () => {
    const store = new RecordStore()
    for (let i = 0; i < pods; i++) store.set('pod', { namespace: namespaces[i % 200]!, name: `pod-${i}`, resourceVersion: '', ips: [ip(i)] } satisfies PodRecord)
    return store
  },
  'store, distinct resourceVersions': () => {
    const store = new RecordStore()
    for (let i = 0; i < pods; i++) store.set('pod', { namespace: namespaces[i % 200]!, name: `pod-${i}`, resourceVersion: String(480_000_000 + i), ips: [ip(i)] } satisfies PodRecord)
    return store
  },
}

const results = Object.entries(shapes).map(([name, build]) => ({ name, bytes: median(Array.from({ length: runs }, () => heapAfter(build))) }))
for (const r of results) console.log(`${r.name.padEnd(58)} ${(r.bytes / pods).toFixed(1).padStart(7)} B/record  ${(r.bytes / 2 ** 20).toFixed(1).padStart(6)} MiB`)
const [oldShape, newShape, baseline, distinct] = results.map((r) => r.bytes / pods) as [number, number, number, number]
console.log(`provenance per record: ${(newShape - oldShape).toFixed(1)} B in plain objects; resourceVersion string in the store: ${(distinct - baseline).toFixed(1)} B (ratio ${(distinct / baseline).toFixed(3)})`)
