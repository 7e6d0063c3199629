/**
 * Issue 3's numbers: memory and time to ready for a large cluster, peak RSS during a forced relist,
 * and DNS programming latency for a burst of EndpointSlice changes. Our API source and the
 * library's informer are measured in the same run, each in a fresh child process, RUNS times.
 *
 *   npm run bench:api -- [SERVICES] [PODS_PER_SERVICE] [RUNS]      (default 10000 10 3)
 * The test API server holds the whole synthetic cluster in this process (give it a large heap, as
 * the npm script does); each child runs with Node's defaults, as the server does in production.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { FakeApiServer } from '../test/support/api-server/fake-api-server.js'
import { FakeCluster, type KubeObject } from '../test/support/api-server/fake-cluster.js'
import { syntheticCluster } from './synthetic-cluster.js'

const [services = 10_000, podsPerService = 10, runs = 3] = process.argv.slice(2).map(Number)
const BURST = 1000
const SPACED = 50
const CHILD = fileURLToPath(new URL('./api-source-child.mjs', import.meta.url))
const MB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

const cluster = new FakeCluster(50_000)
const slices: KubeObject[] = []
let objects = 0
for (const obj of syntheticCluster({ namespaces: 100, services, podsPerService })) {
  const stored = cluster.apply(obj)
  if (obj.kind === 'EndpointSlice') slices.push(stored)
  objects++
}
const api = new FakeApiServer(cluster, { bookmarkIntervalMs: 5000 })
await api.listen()
console.log(`cluster: ${services} services, ${slices.length} endpoint slices, ${services * podsPerService} pods (${objects} objects), test API at ${api.url}`)

function next(child: ChildProcess, type: string): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: Record<string, any>): void => {
      if (msg.type !== type) return
      child.off('message', onMessage)
      resolve(msg)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`child exited ${code} before '${type}'`)))
  })
}

/** Waits until the test API server has had no request for `quietMs`. */
async function apiQuiet(quietMs: number): Promise<void> {
  let seen = api.requests.length
  let since = Date.now()
  while (Date.now() - since < quietMs) {
    await sleep(100)
    if (api.requests.length !== seen) {
      seen = api.requests.length
      since = Date.now()
    }
  }
}

interface RunResult {
  readyMs: number
  heapUsed: number
  heapTotal: number
  rss: number
  syncPeak: number
  relistPeak: number
  latencies?: number[]
  spacedLatencies?: number[]
  burstEmitMs?: number
}

async function run(mode: 'clusterdns' | 'informer', round: number): Promise<RunResult | null> {
  const child = fork(CHILD, [mode, api.url], { execArgv: ['--expose-gc'], env: { ...process.env, NODE_OPTIONS: '' }, stdio: 'inherit' })
  let synced: Record<string, any>
  try {
    synced = await next(child, 'synced')
  } catch (err) {
    console.log(`${mode} run ${round + 1}: ${(err as Error).message} (peak RSS unknown)`)
    return null
  }
  // Relist: every watch ends and history is compacted past every client's resourceVersion.
  child.send({ type: 'peak-start' })
  api.dropWatches()
  cluster.apply({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: `relist-${mode}-${round}` } })
  cluster.compact()
  await apiQuiet(3000)
  child.send({ type: 'peak-report' })
  const { peak } = await next(child, 'peak')
  const result: RunResult = { readyMs: synced.readyMs, heapUsed: synced.heapUsed, heapTotal: synced.heapTotal, rss: synced.rss, syncPeak: synced.syncPeak, relistPeak: peak }
  if (mode === 'clusterdns') {
    // Changes: each slice gets a new endpoint address; latency = applied in the store − applied in the API.
    // First SPACED changes 20 ms apart (one at a time) to the last slices, then a burst of up to
    // BURST at once to the others: no slice changes twice, so each has one applied time.
    const changed = (i: number, net: number): KubeObject => {
      const slice = structuredClone(slices[i]!)
      ;(slice.endpoints as Array<{ addresses: string[] }>)[0]!.addresses = [`10.${net}.${round}.${i % 250}`]
      return slice
    }
    const spacedAt = new Map<string, number>()
    for (let i = slices.length - SPACED; i < slices.length; i++) {
      const slice = changed(i, 201)
      spacedAt.set(slice.metadata.name, performance.timeOrigin + performance.now())
      cluster.apply(slice)
      await sleep(20)
    }
    // The test API server emits the burst in one synchronous loop: its events leave the socket
    // together when the loop ends, so the burst is timed from then (the loop's own time is reported).
    const burst = Array.from({ length: Math.min(BURST, slices.length - SPACED) }, (_, i) => changed(i, 200))
    const loopStart = performance.now()
    for (const slice of burst) cluster.apply(slice)
    const sentAt = performance.timeOrigin + performance.now()
    result.burstEmitMs = performance.now() - loopStart
    const appliedAt = new Map(burst.map((slice) => [slice.metadata.name, sentAt]))
    await sleep(3000)
    child.send({ type: 'burst-report' })
    const { applied } = await next(child, 'burst')
    const latency = (at: Map<string, number>): number[] => [...at].map(([name, t]) => (applied[name] ?? Infinity) - t)
    result.latencies = latency(appliedAt)
    result.spacedLatencies = latency(spacedAt)
  }
  child.send({ type: 'exit' })
  await new Promise((resolve) => child.once('exit', resolve))
  console.log(
    `${mode} run ${round + 1}: ready ${synced.readyMs} ms, heap used ${MB(synced.heapUsed)} of ${MB(synced.heapTotal)}, RSS ${MB(synced.rss)}, ` +
      `peak RSS syncing ${MB(synced.syncPeak)}, relisting ${MB(peak)}`,
  )
  return result
}

const results: Record<string, RunResult[]> = { clusterdns: [], informer: [] }
for (let round = 0; round < runs; round++) {
  for (const mode of ['clusterdns', 'informer'] as const) {
    const result = await run(mode, round)
    if (result) results[mode]!.push(result)
  }
}

console.log(`\nmedians of ${runs} runs (each in a fresh process; heap and RSS after GC once synced):`)
console.log('| | runs completed | time to ready | heap used | heap total | RSS | peak RSS while syncing | peak RSS during forced relist |')
console.log('|---|---|---|---|---|---|---|---|')
for (const [mode, rs] of Object.entries(results)) {
  if (rs.length === 0) {
    console.log(`| ${mode} | 0 of ${runs} | | | | | | |`)
    continue
  }
  const m = (f: (r: RunResult) => number): number => median(rs.map(f))
  console.log(
    `| ${mode} | ${rs.length} of ${runs} | ${m((r) => r.readyMs)} ms | ${MB(m((r) => r.heapUsed))} | ${MB(m((r) => r.heapTotal))} | ${MB(m((r) => r.rss))} | ` +
      `${MB(m((r) => r.syncPeak))} | ${MB(m((r) => r.relistPeak))} |`,
  )
}
const ours = results.clusterdns!
const lib = results.informer!
if (ours.length && lib.length) {
  const ratio = (f: (r: RunResult) => number): string => (median(lib.map(f)) / median(ours.map(f))).toFixed(1)
  console.log(`informer / clusterdns: heap used ${ratio((r) => r.heapUsed)}×, RSS ${ratio((r) => r.rss)}×, peak RSS during relist ${ratio((r) => r.relistPeak)}×`)
}
function latencyLine(what: string, latencies: number[]): string {
  const finite = latencies.filter(Number.isFinite)
  const p = (q: number): string => percentile(finite, q).toFixed(1)
  return `${what}: p50 ${p(50)} ms, p90 ${p(90)} ms, p99 ${p(99)} ms, max ${Math.max(...finite).toFixed(1)} ms, never applied ${latencies.length - finite.length}`
}
console.log('programming latency (API server applies the change → our store has applied it):')
console.log(latencyLine(`  ${SPACED} changes 20 ms apart × ${runs} runs`, ours.flatMap((r) => r.spacedLatencies ?? [])))
console.log(
  latencyLine(`  a burst of ${Math.min(BURST, slices.length - SPACED)} changes at once × ${runs} runs, from when the test API server had emitted them all`, ours.flatMap((r) => r.latencies ?? [])),
)
console.log(`  (the test API server took ${median(ours.map((r) => r.burstEmitMs ?? 0)).toFixed(0)} ms, median, to emit each burst)`)
await api.close()
process.exit(0)
