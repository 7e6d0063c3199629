import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { start, stop } from './processes.js'
import { CLIENT_CORE } from './servers.js'

export interface DnsperfRun {
  readonly port: number
  readonly questions: readonly string[]
  readonly tcp: boolean
  readonly seconds: number
  /** Read the file once (every name new) rather than looping over it. */
  readonly once: boolean
  /** Queries per second to hold (-Q); absent: as fast as the server answers. */
  readonly rate?: number
  /** Keep each reply's latency (-v). */
  readonly latencies: boolean
}

export interface DnsperfResult {
  readonly completed: number
  readonly qps: number
  /** Sorted, in seconds; empty unless asked for. */
  readonly latencies: Float64Array
}

/** Clients (sockets or reused TCP connections) and queries in flight: a busy node's pods. */
export const CLIENTS = 4
export const IN_FLIGHT = 100

/** The dnsperf command line of a run (files aside), as BENCHMARKS.md prints it. */
export function dnsperfArgs(run: Omit<DnsperfRun, 'questions'>, file = 'FILE'): string[] {
  return [
    '-s', '127.0.0.1', '-p', String(run.port), '-d', file, '-l', String(run.seconds), '-c', String(CLIENTS), '-q', String(IN_FLIGHT),
    ...(run.tcp ? ['-m', 'tcp'] : []), ...(run.once ? ['-n', '1'] : []), ...(run.rate ? ['-Q', String(Math.round(run.rate))] : []), ...(run.latencies ? ['-v'] : []),
  ]
}

/** Runs dnsperf on the client core and reads its summary (and, with -v, every reply's latency). */
export async function dnsperf(run: DnsperfRun, dir: string): Promise<DnsperfResult> {
  const input = join(dir, 'questions.txt')
  const outputFile = join(dir, 'dnsperf.out')
  writeFileSync(input, run.questions.join('\n') + '\n')
  const fd = openSync(outputFile, 'w')
  const process = start('dnsperf', ['dnsperf', ...dnsperfArgs(run, input)], CLIENT_CORE, { stdout: fd })
  closeSync(fd)
  const code = await new Promise<number | null>((resolve) => process.child.once('exit', (c) => resolve(c)))
  await stop(process)
  const output = readFileSync(outputFile, 'latin1')
  rmSync(outputFile)
  const completed = /Queries completed:\s+(\d+)/.exec(output)
  const qps = /Queries per second:\s+([\d.]+)/.exec(output)
  if (code !== 0 || !completed || !qps) throw new Error(`dnsperf ${dnsperfArgs(run).join(' ')} failed (${code}):\n${output.slice(-2000)}${process.output()}`)
  const latencies: number[] = []
  if (run.latencies) {
    // `> NOERROR name type 0.000123`: the last field is the latency in seconds.
    for (const line of output.split('\n')) {
      const latency = line.startsWith('> ') ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN
      if (Number.isFinite(latency)) latencies.push(latency)
    }
  }
  return { completed: Number(completed[1]), qps: Number(qps[1]), latencies: Float64Array.from(latencies).sort() }
}

/** The q-quantile of sorted values (nearest rank). */
export const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
