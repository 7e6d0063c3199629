/**
 * Issue 10's long hostile run, against the built server (dist/main.js, started with the Node flags
 * of the image's ENTRYPOINT) in a child process of its own (so a crash shows as an exit and its
 * memory is its own), forwarding to unbound on loopback:
 *
 * 1. a malformed flood over UDP (PACKETS, default 1,000,000, each one malformed: `malformedQuery`)
 *    as fast as the sender goes, with a control query every 100 ms that must be answered within 1 s;
 *    RSS before, during (peak) and 10 s after (medians of 5 samples), which must be within 1.2×;
 * 2. a mutation flood over UDP (PACKETS again; about a third of them still valid queries, half of
 *    those forwarded to unbound): every reply checked, control queries and RSS reported likewise;
 * 3. a mutation fuzz over TCP (PACKETS / 10 queries, pipelined, through forward over TCP too);
 * 4. slowloris: 1,000 connections each sending a query a byte a second (reconnecting when closed),
 *    while a new TCP client asks a question every 250 ms (answered within 100 ms).
 *
 * Every reply is checked: well formed, and its ID answers a query outstanding.
 *
 *   npm run bench:hostile [-- PACKETS]      (HOSTILE_NODE_FLAGS="..." adds Node flags to the server's)
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { DEMO_CLUSTER, LAB_CLUSTER } from '../test/support/cluster.js'
import { controlQueries, fuzzTcp, fuzzUdp, type FuzzTally } from '../test/support/fuzz-client.js'
import { malformedQuery } from '../test/support/fuzz.js'
import { freePort } from '../test/support/ports.js'
import { buildQuery, frame, tcpExchange, udpExchange } from '../test/support/raw-client.js'
import { startUnbound } from '../test/support/unbound.js'
import { IMAGE_ENV, IMAGE_NODE_FLAGS } from './image-settings.js'

const packets = Number(process.argv[2] ?? 1_000_000)
const CONTROL = 'web.shop.svc.cluster.local'
const SLOWLORIS = 1000
const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url))

const upstream = await startUnbound({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] }, '127.0.0.1', await freePort())
const port = await freePort()
const dir = mkdtempSync(join(tmpdir(), 'clusterdns-hostile-'))
writeFileSync(
  join(dir, 'Corefile'),
  `.:${port} {\n  bind 127.0.0.1\n  kubernetes cluster.local in-addr.arpa ip6.arpa {\n    manifests ${DEMO_CLUSTER} ${LAB_CLUSTER}\n  }\n  forward . 127.0.0.1:${upstream.port}\n}\n`,
)
// Started as the image starts it (its Node flags and environment): memory is measured as deployed.
const nodeFlags = [...IMAGE_NODE_FLAGS, ...(process.env.HOSTILE_NODE_FLAGS ?? '').split(' ').filter(Boolean)]
const server = spawn(process.execPath, [...nodeFlags, MAIN, '-conf', join(dir, 'Corefile')], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...IMAGE_ENV } })
let logLines = 0
let exited: string | null = null
server.stdout.on('data', (chunk: Buffer) => (logLines += chunk.toString().split('\n').length - 1))
server.stderr.on('data', (chunk: Buffer) => process.stderr.write(`server: ${chunk}`))
server.on('exit', (code, signal) => (exited = `exit code ${code} signal ${signal}`))
const stop = (): void => {
  try {
    process.kill(-server.pid!, 'SIGKILL')
  } catch {
    // already gone
  }
}
process.on('exit', stop)

const rssMiB = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024
const quantile = (values: number[], q: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))] ?? NaN
/** The median of 5 samples of RSS, 500 ms apart, centred on `inMs` from now. */
const rssAround = async (inMs: number): Promise<number> => {
  await sleep(inMs - 1000)
  const samples: number[] = []
  for (let i = 0; i < 5; i++) {
    if (i > 0) await sleep(500)
    samples.push(rssMiB())
  }
  return quantile(samples, 0.5)
}
const ms = (n: number): string => `${n.toFixed(1)} ms`
const tallyLine = (t: FuzzTally): string =>
  `sent ${t.sent}, replies ${t.replies}, unparseable ${t.unparseable}, ID mismatches ${t.idMismatches}${t.examples.length ? `\n    ${t.examples.join('\n    ')}` : ''}`
const met = (ok: boolean): string => (ok ? 'target met' : 'TARGET NOT MET')

for (let i = 0; i < 100 && !(await udpExchange(port, buildQuery(CONTROL, 'A'), 200)); i++) await sleep(100)
// Warm up (JIT, caches, pools) before the baseline: 20,000 valid queries.
for (let i = 0; i < 200; i++) await Promise.all(Array.from({ length: 100 }, (_, j) => udpExchange(port, buildQuery(CONTROL, 'A', { id: j }), 1000)))
const rssBefore = await rssAround(3000)

console.log(`# clusterdns hostile run: ${packets.toLocaleString('en-US')} UDP packets twice, ${(packets / 10).toLocaleString('en-US')} TCP, ${SLOWLORIS} slowloris connections; server flags: ${nodeFlags.join(' ') || 'none'}, environment: ${Object.entries(IMAGE_ENV).map(([k, v]) => `${k}=${v}`).join(' ') || 'none'}`)

/** A UDP flood with control queries, RSS sampled through it and 10 s after. */
async function flood(label: string, make?: typeof malformedQuery): Promise<{ tally: FuzzTally; allAnswered: boolean; rssAfter: number }> {
  let rssPeak = rssMiB()
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB())), 250)
  const control = controlQueries(port, CONTROL, 100, 1000)
  const started = performance.now()
  const tally = await fuzzUdp(port, packets, { seed: 1, ...(make ? { make } : {}) })
  // The last second is fuzzUdp waiting for the last replies.
  const seconds = (performance.now() - started) / 1000 - 1
  const answered = await control.stop()
  clearInterval(sampler)
  const rssAfter = await rssAround(10_000)
  const rcodes = Object.entries(tally.rcodes).map(([rcode, n]) => `${rcode}: ${n}`).join(', ')
  const allAnswered = answered.answered === answered.sent
  console.log(`${label}: ${tallyLine(tally)}; replies by rcode {${rcodes}}`)
  console.log(`  ${seconds.toFixed(1)} s, ${Math.round(packets / seconds).toLocaleString('en-US')} packets/s sent, ${Math.round(tally.replies / seconds).toLocaleString('en-US')} replies/s`)
  console.log(
    `  control queries: ${answered.answered}/${answered.sent} answered within 1 s; latency median ${ms(quantile(answered.latenciesMs, 0.5))}, p99 ${ms(quantile(answered.latenciesMs, 0.99))}, max ${ms(Math.max(...answered.latenciesMs))}`,
  )
  console.log(`  RSS: before ${rssBefore.toFixed(1)} MiB, peak during ${rssPeak.toFixed(1)} MiB, 10 s after ${rssAfter.toFixed(1)} MiB (${(rssAfter / rssBefore).toFixed(2)}× before)`)
  return { tally, allAnswered, rssAfter }
}

// 1. The malformed flood: what the issue's targets are stated for.
const malformed = await flood('UDP malformed flood', malformedQuery)
const onlyErrors = Object.keys(malformed.tally.rcodes).every((rcode) => rcode === '1' || rcode === '4')
console.log(`  every reply FORMERR or NOTIMP: ${onlyErrors ? 'yes' : 'NO'}; ${met(malformed.allAnswered)} (control), ${met(malformed.rssAfter <= 1.2 * rssBefore)} (RSS within 1.2×)`)

// 2. The mutation flood: valid queries among the garbage, some forwarded.
await flood('UDP mutation flood')

// 3. TCP fuzz.
const tcpStarted = performance.now()
const tcpControl = controlQueries(port, CONTROL, 100, 1000)
const tcp = await fuzzTcp(port, packets / 10, { seed: 2, parallel: 16 })
const tcpControlled = await tcpControl.stop()
console.log(`TCP fuzz: ${tallyLine(tcp)} in ${((performance.now() - tcpStarted) / 1000).toFixed(1)} s`)
console.log(`  control queries: ${tcpControlled.answered}/${tcpControlled.sent} answered within 1 s; max ${ms(Math.max(...tcpControlled.latenciesMs))}`)
const forwarded = await udpExchange(port, buildQuery('api.example.com', 'A'), 2000)
console.log(`  forward to unbound after it: ${forwarded && (forwarded.readUInt16BE(2) & 0xf) === 0 ? 'answering (not marked down)' : 'NOT answering'}`)

// 4. Slowloris.
const attackers = new Set<Socket>()
let attacking = true
let reconnects = 0
const query = frame(buildQuery(CONTROL, 'A'))
const attacker = (): void => {
  if (!attacking) return
  const socket = connect(port, '127.0.0.1')
  attackers.add(socket)
  let sent = 0
  const drip = setInterval(() => {
    if (sent < query.length - 1) socket.write(query.subarray(sent, ++sent))
  }, 1000)
  socket.on('error', () => {})
  socket.on('close', () => {
    clearInterval(drip)
    attackers.delete(socket)
    reconnects++
    setTimeout(attacker, 10)
  })
}
for (let i = 0; i < SLOWLORIS; i++) attacker()
await sleep(3000)
const newClientMs: number[] = []
let newClientFailures = 0
for (let i = 0; i < 60; i++) {
  const t = performance.now()
  try {
    await tcpExchange(port, frame(buildQuery(CONTROL, 'A', { id: i })), 1, 2000)
    newClientMs.push(performance.now() - t)
  } catch {
    newClientFailures++
  }
  await sleep(250)
}
const open = attackers.size
attacking = false
for (const s of attackers) s.destroy()
console.log(
  `slowloris: ${SLOWLORIS} connections (${open} open at the end, ${reconnects} closed by the server and re-opened); new TCP client: ` +
    `${newClientMs.length}/${newClientMs.length + newClientFailures} answered, median ${ms(quantile(newClientMs, 0.5))}, p99 ${ms(quantile(newClientMs, 0.99))}, max ${ms(Math.max(...newClientMs))}; ` +
    met(newClientFailures === 0 && Math.max(...newClientMs) <= 100),
)

const alive = exited === null && (await udpExchange(port, buildQuery(CONTROL, 'A'), 1000)) !== null
console.log(`server: ${alive ? 'alive and answering' : `CRASHED (${exited})`}; ${logLines} log lines in all`)
stop()
await upstream.stop()
process.exit(0)
