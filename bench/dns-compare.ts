/**
 * Issue 11's side-by-side benchmark: the bare Node floor, clusterdns with kubeadm's plugins, and
 * (when installed) NSD and dnsmasq, driven by dnsperf on loopback, in one run. Writes BENCHMARKS.md
 * and BENCHMARKS.svg. See --help.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { dnsperf, dnsperfArgs, quantile, type DnsperfRun } from './dns-compare/dnsperf.js'
import { coreBusySeconds, groupCpuSeconds, groupRssMiB, stopAllNow } from './dns-compare/processes.js'
import { chart, FLOOR, markdown, ratio, type Measurement } from './dns-compare/report.js'
import { buildBaseline, SERVER_CORE, startClusterDns, startDnsmasq, startFloor, startNsd, startUnbound, type Server } from './dns-compare/servers.js'
import { CLUSTER_QUESTIONS, WORKLOADS, type ServerKind, type Workload } from './dns-compare/workloads.js'
import { median } from './median.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const HELP = `npm run bench:dns -- [--seconds N] [--repeats N] [--baseline GIT-REF] [--only-clusterdns]

Starts, one after the other on CPU core 0, a bare Node UDP/TCP responder (the floor), clusterdns
with kubeadm's Corefile on examples/demo-cluster.yaml forwarding to a local unbound, and NSD and
dnsmasq when they are installed; dnsperf (on core 1) drives each through the workloads. Prints
and writes BENCHMARKS.md and BENCHMARKS.svg. Run it alone on the machine: it needs both cores.

  --seconds N        length of each dnsperf run (default 4)
  --repeats N        runs per measurement; the median is reported (default 3)
  --baseline REF     also measure clusterdns built from git REF (e.g. main), in the same run
  --only-clusterdns  skip NSD and dnsmasq even when installed

Needs (Debian packages): dnsperf, unbound, util-linux (taskset); optional: nsd, dnsmasq-base.
Nothing is installed by this script:  apt-get install -y dnsperf unbound [nsd dnsmasq-base]`

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    repeats: { type: 'string', default: '3' },
    baseline: { type: 'string' },
    'only-clusterdns': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log(HELP)
  process.exit(0)
}
const seconds = Number(args.seconds)
const repeats = Number(args.repeats)

const has = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const missing = ['dnsperf', 'unbound', 'taskset'].filter((t) => !has(t))
if (missing.length > 0) {
  console.error(`bench:dns: missing ${missing.join(', ')}; install with: apt-get install -y dnsperf unbound util-linux\n\n${HELP}`)
  process.exit(1)
}
const nproc = availableParallelism()
if (nproc < 2) {
  console.error('bench:dns: needs two CPU cores (one for the server, one for dnsperf)')
  process.exit(1)
}
const withNsd = !args['only-clusterdns'] && has('nsd')
const withDnsmasq = !args['only-clusterdns'] && has('dnsmasq')
const notes: string[] = []
if (args.baseline) notes.push(`**clusterdns@${args.baseline}**: the same, built from git \`${args.baseline}\` (the commit shown) in the same run.`)
if (!withNsd) notes.push('nsd: not measured (not installed, or --only-clusterdns; Debian package `nsd`).')
if (!withDnsmasq) notes.push('dnsmasq: not measured (not installed, or --only-clusterdns; Debian package `dnsmasq-base`).')

// Every process started is stopped: on success, on failure, on Ctrl-C.
process.on('exit', stopAllNow)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130))
// The bench's own work (reading dnsperf's output) stays off the server's core.
execFileSync('taskset', ['-a', '-cp', '1', String(process.pid)], { stdio: 'ignore' })

const dir = mkdtempSync(join(tmpdir(), 'clusterdns-bench-dns-'))
/** Seconds of load at the half rate, not measured, before each half-rate run. */
const HALF_LEAD_SECONDS = 1
let runNumber = 0

interface Sample {
  readonly qps: number
  readonly cpuUs: number
  readonly p50: number
  readonly p99: number
  /** The share of the server's core other processes used meanwhile (the machine is shared). */
  readonly others: number
}

/** One dnsperf run against `server`, with the server's CPU and its core's other load over it. */
async function sample(server: Server, run: Omit<DnsperfRun, 'port'>, runDir: string): Promise<Sample> {
  const [cpuBefore, coreBefore, started] = [groupCpuSeconds(server.process), coreBusySeconds(SERVER_CORE), performance.now()]
  const r = await dnsperf({ ...run, port: server.port }, runDir)
  const cpu = groupCpuSeconds(server.process) - cpuBefore
  const others = Math.max(0, coreBusySeconds(SERVER_CORE) - coreBefore - cpu) / ((performance.now() - started) / 1000)
  return { qps: r.qps, cpuUs: (cpu / r.completed) * 1e6, p50: quantile(r.latencies, 0.5), p99: quantile(r.latencies, 0.99), others }
}

/** A server under test and what it is called in the results. */
interface Entry {
  readonly server: Server
  readonly label: string
  readonly kind: ServerKind
}

/**
 * One workload on every server that takes it: a warm-up each, then the maximum-rate runs and then
 * the half-rate runs, taking turns server by server so that a slower or busier minute of the shared
 * machine falls on all of them alike. Medians of the repeats.
 */
async function measure(entries: readonly Entry[], workload: Workload): Promise<void> {
  const base = { tcp: workload.tcp, once: workload.unique, seconds, latencies: true }
  const runDir = join(dir, 'runs')
  mkdirSync(runDir, { recursive: true })
  const taking = entries.filter((e) => workload.servers.includes(e.kind))
  /** A dnsperf run whose results are not kept, as fast as the server answers or at `rate`. */
  const unmeasured = (server: Server, runSeconds: number, rate?: number): Promise<unknown> =>
    dnsperf({ ...base, port: server.port, questions: workload.questions(runNumber++), seconds: runSeconds, rate, latencies: false }, runDir)
  // Warm-up: JIT, caches filled, connections made.
  for (const { server } of taking) await unmeasured(server, 1)
  const full = taking.map((): Sample[] => [])
  const rss = taking.map((): number[] => [])
  for (let i = 0; i < repeats; i++) {
    for (const [j, { server }] of taking.entries()) {
      full[j]!.push(await sample(server, { ...base, questions: workload.questions(runNumber++) }, runDir))
      rss[j]!.push(groupRssMiB(server.process))
    }
  }
  const halfRates = full.map((samples) => median(samples.map((f) => f.qps)) / 2)
  const half = taking.map((): Sample[] => [])
  for (let i = 0; i < repeats; i++) {
    for (const [j, { server }] of taking.entries()) {
      // The p99 at half load is a steady-state figure: each run follows HALF_LEAD_SECONDS at its
      // rate, not measured, so that how a server (the floor too) picks up after idling while the
      // others ran is not counted in it.
      await unmeasured(server, HALF_LEAD_SECONDS, halfRates[j])
      half[j]!.push(await sample(server, { ...base, questions: workload.questions(runNumber++), rate: halfRates[j] }, runDir))
    }
  }
  for (const [j, { label }] of taking.entries()) {
    const m: Measurement = {
      server: label,
      workload: workload.id,
      qps: median(full[j]!.map((f) => f.qps)),
      cpuUs: median(full[j]!.map((f) => f.cpuUs)),
      rssMiB: median(rss[j]!),
      p50Ms: median(full[j]!.map((f) => f.p50)) * 1e3,
      p99Ms: median(full[j]!.map((f) => f.p99)) * 1e3,
      halfRate: halfRates[j]!,
      halfP50Ms: median(half[j]!.map((h) => h.p50)) * 1e3,
      halfP99Ms: median(half[j]!.map((h) => h.p99)) * 1e3,
      otherLoad: median(full[j]!.map((f) => f.others)),
      halfOtherLoad: median(half[j]!.map((h) => h.others)),
    }
    results.push(m)
    console.log(
      `${workload.id.padEnd(17)} ${label.padEnd(24)} ${m.qps.toFixed(0).padStart(7)} qps ${m.cpuUs.toFixed(2).padStart(7)} µs/query ` +
        `${ratio(results, m).toFixed(2)}× floor  p50/p99 ${m.p50Ms.toFixed(2)}/${m.p99Ms.toFixed(2)} ms  at 50%: ${m.halfP50Ms.toFixed(3)}/${m.halfP99Ms.toFixed(3)} ms ` +
        `(p99 by run ${half[j]!.map((h) => (h.p99 * 1e3).toFixed(2)).join(', ')})  ` +
        `RSS ${m.rssMiB.toFixed(0)} MiB  others on core ${(m.otherLoad * 100).toFixed(0)}% / ${(m.halfOtherLoad * 100).toFixed(0)}%`,
    )
  }
}

const results: Measurement[] = []
const cluster = join(ROOT, 'examples', 'demo-cluster.yaml')
try {
  const baseline = args.baseline ? buildBaseline(ROOT, args.baseline, dir) : null
  const unbound = await startUnbound(dir)
  // Every server runs from start to end, pinned to the same core; only the one driven is busy.
  const entries: Entry[] = []
  const add = (server: Server, kind: ServerKind, label = server.name): number => entries.push({ server, label, kind })
  add(await startFloor(ROOT), 'floor', FLOOR)
  const clusterdns = await startClusterDns('clusterdns', ROOT, dir, cluster, unbound)
  add(clusterdns, 'clusterdns')
  if (baseline) add(await startClusterDns(`clusterdns@${args.baseline} ${baseline.commit}`, baseline.checkout, dir, cluster, unbound), 'clusterdns')
  // NSD's zones are clusterdns's answers, asked of it with dig.
  if (withNsd) add(await startNsd(dir, clusterdns, CLUSTER_QUESTIONS), 'nsd')
  if (withDnsmasq) add(await startDnsmasq(unbound), 'dnsmasq')
  for (const workload of WORKLOADS) await measure(entries, workload)
  const held = await answerCacheHeld(clusterdns.metricsPort)
  if (held) {
    notes.push(`clusterdns's answer cache after the runs: ${held}.`)
    console.log(`answer cache: ${held}`)
  }
  for (const { server } of entries) await server.stop()
  await unbound.stop()
} finally {
  stopAllNow()
  rmSync(dir, { recursive: true, force: true })
}

/** What clusterdns's answer cache holds, from its /metrics (null before it had one). */
async function answerCacheHeld(metricsPort: number): Promise<string | null> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  const value = (name: string): number | null => {
    const found = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
    return found ? Number(found[1]) : null
  }
  const [entries, bytes, hits] = ['entries', 'bytes', 'hits_total'].map((m) => value(`clusterdns_answer_cache_${m}`))
  return entries === null ? null : `${entries} entries, ${((bytes ?? 0) / 1024).toFixed(0)} KiB, ${hits} queries answered from it`
}

/** The first match of `pattern` in what `argv` prints (some print their version on stderr, exiting 1). */
const version = (argv: string[], pattern: RegExp): string => {
  const { stdout, stderr } = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' })
  return pattern.exec(`${stdout}${stderr}`)?.[0] ?? '?'
}
const machine = [
  `${nproc} CPUs (nproc), ${cpus()[0]?.model ?? '?'}`,
  `Linux ${release()}`,
  `Node ${process.version}`,
  `dnsperf ${version(['dnsperf', '-h'], /\d+\.\d+\.\d+/)}`,
  `unbound ${version(['unbound', '-V'], /\d+\.\d+\.\d+/)}`,
  ...(withNsd ? [`NSD ${version(['nsd', '-v'], /\d+\.\d+\.\d+/)}`] : []),
  ...(withDnsmasq ? [`dnsmasq ${version(['dnsmasq', '--version'], /\d+\.\d+/)}`] : []),
  `run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
]
const argv = process.argv.slice(2)
const info = {
  command: `flock /tmp/cdns-heavy.lock npm run bench:dns${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
  dnsperfArgs: dnsperfArgs({ port: 0, tcp: false, once: false, seconds, latencies: true }).join(' ').replace('-p 0', '-p PORT'),
  machine,
  repeats,
  seconds,
  halfLeadSeconds: HALF_LEAD_SECONDS,
  notes,
}
writeFileSync(join(ROOT, 'BENCHMARKS.md'), markdown(results, WORKLOADS, info, 'BENCHMARKS.svg'))
writeFileSync(join(ROOT, 'BENCHMARKS.svg'), chart(results, WORKLOADS))
console.log('wrote BENCHMARKS.md and BENCHMARKS.svg')
process.exit(0)
