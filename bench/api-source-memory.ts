/**
 * Issue 9's numbers: memory and time to ready for a large cluster (default 10,000 Services and
 * EndpointSlices with 100,000 endpoints, 150,000 realistic Pods, `pods verified`), peak RSS while
 * syncing and during a forced relist, DNS programming latency for a burst of EndpointSlice changes,
 * and the idle RSS of kubeadm's default Corefile against an empty API. Each mode runs RUNS times,
 * each run in a fresh process, in the same run as the library's informer (the reference):
 *   server      the real server (dist/main.js) with a `kubernetes { endpoint … pods verified }` and
 *               `ready` Corefile: time from spawn to /ready 200, RSS from /proc (VmRSS, VmHWM)
 *   plain-server  the same without the Node flags: what they change
 *   clusterdns  our API source feeding the record store in a bare process (heap after GC, latency)
 *   lists       the same with watch-list off: paginated lists, as against an API server without it
 *   informer    @kubernetes/client-node's makeInformer, the library's way
 *
 *   npm run bench:api -- [SERVICES] [PODS_PER_SERVICE] [EXTRA_PODS_PER_SERVICE] [RUNS]   (default 10000 10 5 3)
 * The test API server (watch-list on) holds the whole synthetic cluster in this process (give it a
 * large heap, as the npm script does); the measured processes run with the image's environment
 * (its Dockerfile's ENV) and its Node flags, or BENCH_NODE_FLAGS instead ("" for Node's defaults).
 * BENCH_MODES picks modes (e.g. "server"),
 * BENCH_PODS the server's `pods` setting (default verified).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { build } from 'esbuild'
import { parse } from 'yaml'
import { ENDPOINT_SLICES, NAMESPACES, PODS, SERVICES } from '../src/cluster/api/watched-kinds.js'
import { collectNow } from '../src/compact-heap.js'
import { FakeApiServer } from '../test/support/api-server/fake-api-server.js'
import { FakeCluster, type KubeObject } from '../test/support/api-server/fake-cluster.js'
import { freePort } from '../test/support/ports.js'
import { IMAGE_ENV, IMAGE_NODE_FLAGS } from './image-settings.js'
import { median } from './median.js'
import { syntheticCluster } from './synthetic-cluster.js'

const [services = 10_000, podsPerService = 10, extraPodsPerService = 5, runs = 3] = process.argv.slice(2).map(Number)
const MODES = (process.env.BENCH_MODES ?? 'server,plain-server,clusterdns,lists,informer').split(',').filter(Boolean) as Mode[]
type Mode = 'server' | 'plain-server' | 'clusterdns' | 'lists' | 'informer'
// By default the measured processes start as the image starts the server (its Node flags and environment).
const NODE_FLAGS = process.env.BENCH_NODE_FLAGS === undefined ? [...IMAGE_NODE_FLAGS] : process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean)
/** The server mode's `pods` setting (the sizing table has rows without pods). */
const SERVER_PODS = process.env.BENCH_PODS ?? 'verified'
const BURST = 1000
const SPACED = 50
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CHILD = fileURLToPath(new URL('./api-source-child.mjs', import.meta.url))
// The child's parts of src/, bundled as `npm run build` bundles the server (dist/ holds only the server's entry points).
const API_PARTS = join(ROOT, 'node_modules', '.cache', 'clusterdns-bench', 'api-parts.js')
await build({
  stdin: {
    contents: [
      "export { ApiSource } from './src/cluster/api/api-source.ts'",
      "export { resolveApiTarget } from './src/cluster/api/kube-config.ts'",
      "export { RecordStore } from './src/cluster/record-store.ts'",
      "export { setLogSink } from './src/log.ts'",
    ].join('\n'),
    resolveDir: ROOT,
  },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  packages: 'external',
  charset: 'ascii',
  entryNames: 'api-parts',
  outdir: join(API_PARTS, '..'),
  logLevel: 'warning',
})
const MB = (bytes: number, digits = 0): string => `${(bytes / 2 ** 20).toFixed(digits)} MiB`
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

const cluster = new FakeCluster(50_000)
const slices: KubeObject[] = []
let objects = 0
for (const obj of syntheticCluster({ namespaces: 100, services, podsPerService, extraPodsPerService })) {
  const stored = cluster.apply(obj)
  if (obj.kind === 'EndpointSlice') slices.push(stored)
  objects++
}
const api = new FakeApiServer(cluster, { bookmarkIntervalMs: 5000, watchList: true })
await api.listen()
const emptyApi = new FakeApiServer(new FakeCluster(), { bookmarkIntervalMs: 5000, watchList: true })
await emptyApi.listen()
await primeSerialization()
console.log(
  `cluster: ${services} services, ${slices.length} endpoint slices (${services * podsPerService} endpoints), ${services * (podsPerService + extraPodsPerService)} pods ` +
    `(${objects} objects), test API at ${api.url}; measured processes' flags: ${NODE_FLAGS.join(' ') || '(none)'}`,
)

/**
 * The test API server turns each object into JSON the first time it sends it, and keeps the text,
 * as the real API server's watch cache holds its objects ready to send. Every object is sent once
 * here, before any run: else the first run's sync waits on this process serializing 585 MB (~4.5 s
 * of its CPU: ready 5.8–6.9 s in first runs, 4.0–5.5 s in the runs after them). Then the garbage
 * of it is collected and this process left to go idle, so that its collector does not share the
 * cores with the first run either.
 */
async function primeSerialization(): Promise<void> {
  const END = Buffer.from('k8s.io/initial-events-end')
  for (const { path } of [NAMESPACES, SERVICES, ENDPOINT_SLICES, PODS]) {
    const stop = new AbortController()
    const res = await fetch(`${api.url}${path}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`, { signal: stop.signal })
    // The end's bookmark may straddle two reads: the last bytes of each are kept for the next.
    let tail = Buffer.alloc(0)
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      const seen = Buffer.concat([tail, chunk])
      if (seen.includes(END)) break
      tail = seen.subarray(-END.length)
    }
    stop.abort()
  }
  collectNow()
  await cpuIdle(process.pid)
}

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
  heapUsed?: number
  heapTotal?: number
  rss: number
  syncPeak: number
  relistPeak: number
  /** CPU time the measured process had used when ready (server mode). */
  cpuMs?: number
  /** Per change of the burst: applied in our store − emitted by the test API server. */
  latencies?: number[]
  /** The same, from when the server's emitting loop ended (its events leave the socket together then). */
  latenciesFromLoopEnd?: number[]
  spacedLatencies?: number[]
  burstEmitMs?: number
}

/**
 * Every watch ends and history is compacted past every client's resourceVersion: a forced relist,
 * until `pid` is done with it. A watch-list relist makes its requests at once and then streams for
 * seconds, so a quiet API alone would end the window (the peak's, and the one before the latency
 * runs) while the relist, or the compaction a second after it, still runs.
 */
async function forceRelist(tag: string, pid: number): Promise<void> {
  api.dropWatches()
  cluster.apply({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: `relist-${tag}` } })
  cluster.compact()
  await apiQuiet(3000)
  await cpuIdle(pid)
}

/** Until `pid` has used less than 5% of a CPU for a whole second. */
async function cpuIdle(pid: number): Promise<void> {
  for (let before = cpuMsOf(pid); ; ) {
    await sleep(1000)
    const after = cpuMsOf(pid)
    if (after - before < 50) return
    before = after
  }
}

async function measureLatency(child: ChildProcess, round: number, result: RunResult): Promise<void> {
  // Changes: each slice gets a new endpoint address; latency = applied in the store − emitted by the API.
  // First SPACED changes 20 ms apart (one at a time) to the last slices, then a burst of up to
  // BURST at once to the others: no slice changes twice, so each has one applied time.
  const changed = (i: number, net: number): KubeObject => {
    const slice = structuredClone(slices[i]!)
    ;(slice.endpoints as Array<{ addresses: string[] }>)[0]!.addresses = [`10.${net}.${round}.${i % 250}`]
    return slice
  }
  const now = (): number => performance.timeOrigin + performance.now()
  const spacedAt = new Map<string, number>()
  for (let i = slices.length - SPACED; i < slices.length; i++) {
    const slice = changed(i, 201)
    // Emitted once applied (and written to the watch), as in the burst: not counting this process's own work.
    cluster.apply(slice)
    spacedAt.set(slice.metadata.name, now())
    await sleep(20)
  }
  // The test API server emits the burst in one synchronous loop, each change written to the watch
  // as it is applied; the objects are built before, so the loop is only the server's own work.
  const burst = Array.from({ length: Math.min(BURST, slices.length - SPACED) }, (_, i) => changed(i, 200))
  const emittedAt = new Map<string, number>()
  const loopStart = performance.now()
  for (const slice of burst) {
    cluster.apply(slice)
    emittedAt.set(slice.metadata.name, now())
  }
  const loopEnd = now()
  result.burstEmitMs = performance.now() - loopStart
  await sleep(3000)
  child.send({ type: 'burst-report' })
  const { applied } = await next(child, 'burst')
  const latency = (at: Map<string, number>): number[] => [...at].map(([name, t]) => (applied[name] ?? Infinity) - t)
  result.latencies = latency(emittedAt)
  result.latenciesFromLoopEnd = latency(new Map([...emittedAt.keys()].map((name) => [name, loopEnd])))
  result.spacedLatencies = latency(spacedAt)
}

async function runChild(mode: 'clusterdns' | 'lists' | 'informer', round: number): Promise<RunResult | null> {
  const spawnedAt = Date.now()
  const child = fork(CHILD, [mode, api.url], { execArgv: ['--expose-gc', ...NODE_FLAGS], env: { ...process.env, ...IMAGE_ENV, NODE_OPTIONS: '', BENCH_API_PARTS: API_PARTS }, stdio: 'inherit' })
  let synced: Record<string, any>
  try {
    synced = await next(child, 'synced')
  } catch (err) {
    console.log(`${mode} run ${round + 1}: ${(err as Error).message} (peak RSS unknown)`)
    return null
  }
  child.send({ type: 'peak-start' })
  await forceRelist(`${mode}-${round}`, child.pid!)
  child.send({ type: 'peak-report' })
  const { peak } = await next(child, 'peak')
  const result: RunResult = {
    readyMs: synced.syncedAt - spawnedAt,
    heapUsed: synced.heapUsed,
    heapTotal: synced.heapTotal,
    rss: synced.rss,
    syncPeak: synced.syncPeak,
    relistPeak: peak,
  }
  if (mode === 'clusterdns') await measureLatency(child, round, result)
  child.send({ type: 'exit' })
  await new Promise((resolve) => child.once('exit', resolve))
  console.log(
    `${mode} run ${round + 1}: ready ${result.readyMs} ms, heap used ${MB(synced.heapUsed)} of ${MB(synced.heapTotal)}, RSS ${MB(synced.rss)}, ` +
      `peak RSS syncing ${MB(synced.syncPeak)}, relisting ${MB(peak)}`,
  )
  return result
}

/** VmRSS and VmHWM (the peak since start or since the last reset) of a process, in bytes. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** User + system CPU time of a process so far (/proc/PID/stat counts in clock ticks, 100 a second). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** The real server from a Corefile, in its own process group; resolves when /ready answers 200. */
async function startServer(corefile: string, flags = NODE_FLAGS): Promise<{ child: ChildProcess; readyMs: number; stop: () => Promise<void> }> {
  const readyPort = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-bench-'))
  writeFileSync(join(dir, 'Corefile'), corefile.replaceAll('READY_PORT', String(readyPort)))
  const spawnedAt = Date.now()
  const child = spawn(process.execPath, [...flags, join(ROOT, 'dist', 'main.js'), '-conf', join(dir, 'Corefile')], {
    cwd: dir,
    env: { ...process.env, ...IMAGE_ENV, NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stop = async (): Promise<void> => {
    process.kill(-child.pid!, 'SIGKILL')
    await exited
  }
  for (;;) {
    const status = await fetch(`http://127.0.0.1:${readyPort}/ready`).then((r) => r.status, () => 0)
    if (status === 200) return { child, readyMs: Date.now() - spawnedAt, stop }
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}`)
    await sleep(20)
  }
}

async function runServer(round: number, flags: string[]): Promise<RunResult> {
  const dnsPort = await freePort()
  const server = await startServer(`.:${dnsPort} {
  bind 127.0.0.1
  ready 127.0.0.1:READY_PORT
  kubernetes cluster.local in-addr.arpa {
    endpoint ${api.url}
    pods ${SERVER_PODS}
  }
}
`,
    flags,
  )
  const pid = server.child.pid!
  const cpuMs = cpuMsOf(pid)
  const syncPeak = memoryOf(pid).peak
  // Steady: once the API is quiet and V8 has had time to shrink (its memory reducer works when idle).
  await apiQuiet(10_000)
  const { rss } = memoryOf(pid)
  writeFileSync(`/proc/${pid}/clear_refs`, '5')
  await forceRelist(`server-${round}`, pid)
  const relistPeak = memoryOf(pid).peak
  await server.stop()
  console.log(
    `server${flags === NODE_FLAGS ? '' : ' (no flags)'} run ${round + 1}: /ready after ${server.readyMs} ms (${cpuMs} ms of CPU), steady RSS ${MB(rss)}, peak RSS syncing ${MB(syncPeak)}, relisting ${MB(relistPeak)}`,
  )
  return { readyMs: server.readyMs, cpuMs, rss, syncPeak, relistPeak }
}

/** kubeadm's default Corefile (as manifests/ ships it) against an empty API, on free loopback ports, settled. */
async function idleRss(): Promise<number> {
  const shipped = (parse(readFileSync(join(ROOT, 'manifests', 'base', 'configmap.yaml'), 'utf8')) as { data: { Corefile: string } }).data.Corefile
  const [dnsPort, healthPort, metricsPort, silent] = [await freePort(), await freePort(), await freePort(), await freePort()]
  // Only the addresses change: loopback ports, the test API, and an upstream that is nobody (no traffic leaves).
  const corefile = shipped
    .replace('.:53 {', `.:${dnsPort} {\n    bind 127.0.0.1`)
    .replace('health {', `health 127.0.0.1:${healthPort} {`)
    .replace(/^(\s*)ready$/m, '$1ready 127.0.0.1:READY_PORT')
    .replace('ip6.arpa {', `ip6.arpa {\n       endpoint ${emptyApi.url}`)
    .replace('prometheus :9153', `prometheus 127.0.0.1:${metricsPort}`)
    .replace('forward . /etc/resolv.conf', `forward . 127.0.0.1:${silent}`)
    .replaceAll('{$CLUSTER_DOMAIN}', 'cluster.local')
  const server = await startServer(corefile)
  await sleep(10_000)
  const { rss } = memoryOf(server.child.pid!)
  await server.stop()
  return rss
}

const results: Record<Mode, RunResult[]> = { server: [], 'plain-server': [], clusterdns: [], lists: [], informer: [] }
const idle: number[] = []
for (let round = 0; round < runs; round++) {
  for (const mode of MODES) {
    const result = mode === 'server' ? await runServer(round, NODE_FLAGS) : mode === 'plain-server' ? await runServer(round, []) : await runChild(mode, round)
    if (result) results[mode].push(result)
  }
  idle.push(await idleRss())
  console.log(`idle run ${round + 1}: kubeadm's Corefile against an empty API, RSS ${MB(idle[idle.length - 1]!, 1)}`)
}

console.log(`\nmedians of ${runs} runs (each in a fresh process; heap and RSS after GC once synced, server: RSS 10 s after the API went quiet):`)
console.log('| | runs completed | time to ready | heap used | heap total | RSS | peak RSS while syncing | peak RSS during forced relist |')
console.log('|---|---|---|---|---|---|---|---|')
for (const mode of MODES) {
  const rs = results[mode]
  if (rs.length === 0) {
    console.log(`| ${mode} | 0 of ${runs} | | | | | | |`)
    continue
  }
  const m = (f: (r: RunResult) => number): number => median(rs.map(f))
  const heap = (f: (r: RunResult) => number | undefined): string => (rs.every((r) => f(r) !== undefined) ? MB(m((r) => f(r)!)) : '–')
  console.log(
    `| ${mode} | ${rs.length} of ${runs} | ${m((r) => r.readyMs)} ms | ${heap((r) => r.heapUsed)} | ${heap((r) => r.heapTotal)} | ${MB(m((r) => r.rss))} | ` +
      `${MB(m((r) => r.syncPeak))} (${(m((r) => r.syncPeak) / m((r) => r.rss)).toFixed(2)}×) | ${MB(m((r) => r.relistPeak))} (${(m((r) => r.relistPeak) / m((r) => r.rss)).toFixed(2)}×) |`,
  )
}
for (const mode of ['server', 'plain-server'] as const) {
  if (results[mode].length) console.log(`${mode}: CPU time used by the time /ready said 200: ${median(results[mode].map((r) => r.cpuMs!))} ms (median)`)
}
console.log(`idle RSS, kubeadm's default Corefile against an empty API: ${MB(median(idle), 1)} (median of ${idle.length})`)
const ours = results.clusterdns
const lib = results.informer
if (ours.length && lib.length) {
  const ratio = (f: (r: RunResult) => number): string => (median(lib.map(f)) / median(ours.map(f))).toFixed(1)
  console.log(`informer / clusterdns: heap used ${ratio((r) => r.heapUsed!)}×, RSS ${ratio((r) => r.rss)}×, peak RSS during relist ${ratio((r) => r.relistPeak)}×`)
}
function latencyLine(what: string, latencies: number[]): string {
  const finite = latencies.filter(Number.isFinite)
  const p = (q: number): string => percentile(finite, q).toFixed(1)
  return `${what}: p50 ${p(50)} ms, p90 ${p(90)} ms, p99 ${p(99)} ms, max ${Math.max(...finite).toFixed(1)} ms, never applied ${latencies.length - finite.length}`
}
if (ours.length) {
  const burstSize = Math.min(BURST, slices.length - SPACED)
  console.log('programming latency (the test API server emits the change → our store has applied it):')
  console.log(latencyLine(`  ${SPACED} changes 20 ms apart × ${ours.length} runs`, ours.flatMap((r) => r.spacedLatencies ?? [])))
  console.log(latencyLine(`  a burst of ${burstSize} changes × ${ours.length} runs, each from its emission`, ours.flatMap((r) => r.latencies ?? [])))
  console.log(latencyLine(`  the same, from when the emitting loop ended`, ours.flatMap((r) => r.latenciesFromLoopEnd ?? [])))
  console.log(`  (the test API server took ${median(ours.map((r) => r.burstEmitMs ?? 0)).toFixed(0)} ms, median, to emit each burst)`)
}
await api.close()
await emptyApi.close()
process.exit(0)
