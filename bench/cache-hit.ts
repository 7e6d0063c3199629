/**
 * Issue 4's cache numbers: a repeated workload (NAMES names, Zipf-like popularity) sent over UDP,
 * one query at a time, to a server that forwards to unbound on loopback: with `cache`, and, as the
 * baseline in the same run, without. Reports client-side latency (median, p90, p99) of cache hits,
 * of misses, and of the uncached path, and the hit ratio.
 *
 *   npm run build && npx tsx bench/cache-hit.ts [QUERIES] [NAMES]      (default 20000 200)
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSocket } from 'node:dgram'
import { setLogSink } from '../src/log.js'
import { registry } from '../src/metrics/registry.js'
import { Runtime } from '../src/server/runtime.js'
import { buildQuery } from '../test/support/raw-client.js'
import { freePort } from '../test/support/ports.js'
import { startUnbound } from '../test/support/unbound.js'

const [queries = 20_000, names = 200] = process.argv.slice(2).map(Number)
setLogSink(() => {})

const upstream = await startUnbound(
  { zone: 'example.com.', records: Array.from({ length: names }, (_, i) => `host${i}.example.com. 300 IN A 192.0.2.${i % 250}`) },
  '127.0.0.1',
  await freePort(),
)

/** Zipf-like: name i is asked in proportion to 1/(i+1). */
const weights = Array.from({ length: names }, (_, i) => 1 / (i + 1))
const total = weights.reduce((a, b) => a + b, 0)
let seed = 1
const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647)
const workload = Array.from({ length: queries }, () => {
  let r = random() * total
  let i = 0
  while ((r -= weights[i]!) > 0) i++
  return `host${i}.example.com`
})

async function run(cache: boolean): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-bench-'))
  const corefile = join(dir, 'Corefile')
  writeFileSync(corefile, `.:0 {\n  bind 127.0.0.1\n  ${cache ? 'cache 30' : ''}\n  forward . 127.0.0.1:${upstream.port}\n}\n`)
  const runtime = new Runtime(corefile, 'bench')
  await runtime.start()
  const port = runtime.dns.addresses[0]!.port
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const latencies: number[] = []
  for (let i = 0; i < workload.length; i++) {
    const packet = buildQuery(workload[i]!, 'A', { id: i & 0xffff })
    const started = performance.now()
    await new Promise<void>((resolve) => {
      socket.once('message', () => resolve())
      socket.send(packet, port, '127.0.0.1')
    })
    latencies.push((performance.now() - started) * 1000)
  }
  socket.close()
  await runtime.shutdown()
  return latencies
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!
const line = (what: string, xs: number[]): string =>
  `| ${what} | ${xs.length} | ${quantile(xs, 0.5).toFixed(0)} µs | ${quantile(xs, 0.9).toFixed(0)} µs | ${quantile(xs, 0.99).toFixed(0)} µs |`

const uncached = await run(false)
const seen = new Set<string>()
const firstTime = workload.map((name) => !seen.has(name) && (seen.add(name), true))
const cached = await run(true)
const metricTotal = async (name: string): Promise<number> => (await registry.getSingleMetric(name)!.get()).values.reduce((a, v) => a + v.value, 0)
const hitCount = await metricTotal('coredns_cache_hits_total')
const missCount = await metricTotal('coredns_cache_misses_total')
await upstream.stop()

console.log(`${queries} queries over ${names} names (Zipf-like), one at a time over UDP, forward → unbound on loopback`)
console.log('| path | queries | p50 | p90 | p99 |')
console.log('|---|---|---|---|---|')
console.log(line('no cache (every query upstream)', uncached))
console.log(line('cache: hits', cached.filter((_, i) => !firstTime[i])))
console.log(line('cache: misses', cached.filter((_, i) => firstTime[i])))
console.log(`hit ratio ${(hitCount / (hitCount + missCount)).toFixed(3)} (${hitCount} hits, ${missCount} misses); ` +
  `median hit / median uncached = ${(quantile(cached.filter((_, i) => !firstTime[i]), 0.5) / quantile(uncached, 0.5)).toFixed(2)}`)
process.exit(0)
