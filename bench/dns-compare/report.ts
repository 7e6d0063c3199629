import { IMAGE_ENV, IMAGE_NODE_FLAGS } from '../image-settings.js'
import type { Workload } from './workloads.js'

/** One server on one workload: medians of the repeats. */
export interface Measurement {
  readonly server: string
  readonly workload: string
  readonly qps: number
  /** Server CPU (user + system, every thread) per answered query, µs. */
  readonly cpuUs: number
  readonly rssMiB: number
  /** Latency at the maximum rate, ms. */
  readonly p50Ms: number
  readonly p99Ms: number
  /** The rate held for the second run (half the maximum), and its latency, ms. */
  readonly halfRate: number
  readonly halfP50Ms: number
  readonly halfP99Ms: number
  /** The share of the server's core other processes used during the maximum- and half-rate runs (0–1). */
  readonly otherLoad: number
  readonly halfOtherLoad: number
}

export interface RunInfo {
  readonly command: string
  readonly dnsperfArgs: string
  readonly machine: readonly string[]
  readonly repeats: number
  readonly seconds: number
  /** Seconds at the half rate, not measured, before each half-rate run. */
  readonly halfLeadSeconds: number
  readonly notes: readonly string[]
}

export const FLOOR = 'node floor'

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–')

/** CPU per query over the floor's on the same workload. */
export function ratio(results: readonly Measurement[], m: Measurement): number {
  const floor = results.find((r) => r.workload === m.workload && r.server === FLOOR)
  return floor ? m.cpuUs / floor.cpuUs : NaN
}

export function markdown(results: readonly Measurement[], workloads: readonly Workload[], info: RunInfo, chartFile: string): string {
  const lines = [
    '# Benchmarks: clusterdns side by side',
    '',
    'Written by `bench/dns-compare.ts`; do not edit by hand. Run again with:',
    '',
    '```sh',
    info.command,
    '```',
    '',
    `Machine: ${info.machine.join('; ')}.`,
    '',
    'One run starts every server below at once, pinned to CPU core 0 (`taskset`); dnsperf, unbound and the',
    'bench run on core 1. dnsperf drives one server at a time, the servers taking turns run by run, so that',
    'a slower minute of the shared machine falls on all of them alike. Each measurement is the median of',
    `${info.repeats} dnsperf runs of ${info.seconds} s`,
    `(\`dnsperf ${info.dnsperfArgs}\`; TCP adds \`-m tcp\`, never-seen names \`-n 1\`, the half-rate runs`,
    `\`-Q RATE\`), after a 1 s warm-up; each half-rate run follows ${info.halfLeadSeconds} s at its rate, not measured, so that its`,
    'p99 is the steady state\'s, not how a server picks up after idling while the others ran (the floor too',
    'had up to 900 replies over 1 ms in the first 0.2 s of such runs). **CPU/query** is the server\'s user + system',
    'time (every process of its group, every thread, from `/proc/PID/stat` before and after) divided by the',
    'queries dnsperf got answers to; **× floor** is that over the bare Node responder\'s on the same',
    'workload. Latencies are dnsperf\'s per-reply times (`-v`): at the maximum rate (where they are mostly',
    'queueing: 100 queries in flight) and at half the maximum rate (`-Q`). RSS is the server\'s after the',
    'maximum-rate runs. **Others on its core** is the share of core 0 that other processes of the',
    '(shared) machine used meanwhile: where it is high, latency tails are theirs (a scheduler slice is ms).',
    '',
    '- **node floor**: `bench/floor-responder.mjs`, Node reading the question name and sending a fixed A record.',
    '- **clusterdns**: this checkout, kubeadm\'s Corefile (`manifests/configmap.yaml`: errors, health, ready,',
    '  kubernetes, prometheus, forward, cache 30, loop, reload, loadbalance) on `examples/demo-cluster.yaml`,',
    '  `forward . 127.0.0.1:PORT` to unbound; started as the image starts it (the Dockerfile\'s Node flags',
    `  and environment: ${[...IMAGE_NODE_FLAGS, ...Object.entries(IMAGE_ENV).map(([k, v]) => `${k}=${v}`)].map((s) => `\`${s}\``).join(', ')}).`,
    '- **unbound** (the outside world, not measured): local data only, `local-zone: "." static`, never',
    '  recursing; a `redirect` zone answers any name under it, for never-seen names.',
    '- **nsd** (when installed): authoritative for the same cluster answers (copied from clusterdns with dig)',
    '  and the outside names: C\'s floor for the same replies.',
    '- **dnsmasq** (when installed): a cache in front of unbound, as kube-dns ran it.',
    ...info.notes.map((n) => `- ${n}`),
    '',
    `![CPU per query, µs](${chartFile})`,
    '',
    ...targets(results, workloads),
  ]
  for (const workload of workloads) {
    const rows = results.filter((r) => r.workload === workload.id)
    if (rows.length === 0) continue
    lines.push(
      `## ${workload.title}`,
      '',
      '| server | qps | CPU/query | × floor | p50 / p99 at max | p50 / p99 at 50% (rate) | RSS | others on its core (max / 50%) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
    )
    for (const m of rows) {
      lines.push(
        `| ${m.server} | ${fixed(m.qps, 0)} | ${fixed(m.cpuUs, 2)} µs | ${fixed(ratio(results, m), 2)} | ${fixed(m.p50Ms, 2)} / ${fixed(m.p99Ms, 2)} ms | ` +
          `${fixed(m.halfP50Ms, 3)} / ${fixed(m.halfP99Ms, 3)} ms (${fixed(m.halfRate, 0)}/s) | ${fixed(m.rssMiB, 0)} MiB | ${fixed(m.otherLoad * 100, 0)}% / ${fixed(m.halfOtherLoad * 100, 0)}% |`,
      )
    }
    lines.push('')
  }
  return lines.join('\n')
}

/** Issue 11's targets for clusterdns (CPU per query over the floor's), by workload. */
const TARGETS: Record<string, number> = { 'cluster-one': 1.2, 'cluster-mix': 1.2, 'outside-cached': 1.3 }
const P99_TARGET_MS = 1

function targets(results: readonly Measurement[], workloads: readonly Workload[]): string[] {
  const rows = results.filter((m) => m.server === 'clusterdns')
  if (rows.length === 0) return []
  const lines = ['## clusterdns against issue 11\'s targets', '', '| workload | × floor (target) | p99 at 50% of its max (target 1 ms) |', '|---|---:|---:|']
  for (const m of rows) {
    const target = TARGETS[m.workload]
    const title = workloads.find((w) => w.id === m.workload)?.title ?? m.workload
    const cpu = `${fixed(ratio(results, m), 2)} (${target === undefined ? 'none' : `≤ ${target}: ${ratio(results, m) <= target ? 'met' : 'not met'}`})`
    lines.push(`| ${title} | ${cpu} | ${fixed(m.halfP99Ms, 2)} ms (${m.halfP99Ms <= P99_TARGET_MS ? 'met' : 'not met'}) |`)
  }
  return [...lines, '']
}

const COLORS = ['#888888', '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#d62728']

/** A grouped bar chart of CPU per query: one group per workload, one bar per server. */
export function chart(results: readonly Measurement[], workloads: readonly Workload[]): string {
  const servers = [...new Set(results.map((r) => r.server))]
  const groups = workloads.filter((w) => results.some((r) => r.workload === w.id))
  const max = Math.max(...results.map((r) => r.cpuUs).filter(Number.isFinite), 1)
  const bar = 16
  const left = 260
  const width = 900
  const scale = (width - left - 140) / max
  const out: string[] = []
  let y = 50
  for (const workload of groups) {
    out.push(`<text x="10" y="${y + 12}" font-weight="bold">${escape(workload.title)}</text>`)
    y += 20
    for (const m of results.filter((r) => r.workload === workload.id)) {
      const w = Math.max(1, m.cpuUs * scale)
      const color = COLORS[servers.indexOf(m.server) % COLORS.length]
      out.push(
        `<text x="${left - 8}" y="${y + 12}" text-anchor="end">${escape(m.server)}</text>`,
        `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${color}"/>`,
        `<text x="${left + w + 6}" y="${y + 12}">${fixed(m.cpuUs, 2)} µs (${fixed(ratio(results, m), 2)}×)</text>`,
      )
      y += bar + 4
    }
    y += 14
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="24" font-size="15" font-weight="bold">Server CPU per answered query (µs, lower is better; × the bare Node floor)</text>`,
    ...out,
    '</svg>',
    '',
  ].join('\n')
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
