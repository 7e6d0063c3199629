/**
 * Issue 12's encoder cost: the CPU time of writing a reply, with the server's encoder and, as the
 * baseline in the same run, with the encoder of git ref BASE (default `main`; the encoder before
 * record-level truncation and EDNS option echo is 36ff988). Cases: our own answer (one A record, an
 * EDNS query; 80 A records cut for a client without EDNS) and relayed ones (a cache hit without an
 * OPT record, a forwarded reply with the upstream's, 80 records cut). Each sample encodes one case for
 * SAMPLE_MS; reports the median µs per encode over ROUNDS samples and the ratio to the baseline.
 *
 *   BASE=36ff988 npm run bench:encode [-- ROUNDS SAMPLE_MS]      (default 30 50)
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RRType } from '../src/dns/constants.js'
import type { DnsQuery, Reply, ResourceRecord } from '../src/dns/message.js'
import { encodeReply } from '../src/dns/response-encoder.js'
import { decodedQuery } from '../test/support/raw-client.js'

const [rounds = 30, sampleMs = 50] = process.argv.slice(2).map(Number)
const base = process.env.BASE ?? 'main'
const BATCH = 100

// The baseline's src/dns (and the two files it imports from src/) in a folder of its own.
const dir = mkdtempSync(join(tmpdir(), 'clusterdns-encode-base-'))
execFileSync('sh', ['-c', `git archive ${base} src/dns src/errors.ts src/random.ts | tar -x -C ${dir}`])
const baseline = (await import(join(dir, 'src/dns/response-encoder.ts'))) as { encodeReply: typeof encodeReply }

const NAME = 'pods.wide.svc.cluster.local'
const aRecords = (count: number): ResourceRecord[] => Array.from({ length: count }, (_, i) => ({ name: NAME, type: RRType.A, ttl: 5, address: `10.20.1.${100 + i}` }))
const own = (answer: ResourceRecord[]): Reply => ({ rcode: 0, authoritative: true, answer, authority: [], additional: [], plugin: 'kubernetes' })
const edns = decodedQuery(NAME, 'A', 'udp', { edns: true })
const plain = decodedQuery(NAME, 'A')
const whole = (answer: ResourceRecord[], withEdns: boolean): Buffer => encodeReply(withEdns ? { ...edns, transport: 'tcp' } : { ...plain, transport: 'tcp' }, own(answer), 65535)
const relayed = (wire: Buffer): Reply => ({ ...own([]), authoritative: false, plugin: 'forward', relayed: wire })

const cases: ReadonlyArray<readonly [string, DnsQuery, Reply]> = [
  ['own: 1 A, EDNS', edns, own(aRecords(1))],
  ['own: 80 A cut to 512', plain, own(aRecords(80))],
  ['relayed cache hit: 1 A, no OPT', edns, relayed(whole(aRecords(1), false))],
  ['relayed forward: 1 A with OPT', edns, relayed(whole(aRecords(1), true))],
  ['relayed: 80 A cut to 512', plain, relayed(whole(aRecords(80), false))],
]

/** Median µs per encode of `reply` by `encode`, over `rounds` samples of `sampleMs`. */
function medianMicros(encode: typeof encodeReply, query: DnsQuery, reply: Reply): number {
  const samples: number[] = []
  for (let r = 0; r < rounds; r++) {
    let count = 0
    const started = performance.now()
    while (performance.now() - started < sampleMs) {
      for (let i = 0; i < BATCH; i++) encode(query, reply)
      count += BATCH
    }
    samples.push(((performance.now() - started) * 1000) / count)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]!
}

console.log(`encodeReply, median µs per reply over ${rounds} samples of ${sampleMs} ms; baseline ${base}`)
for (const [label, query, reply] of cases) {
  // Interleaved, so both see the same machine load.
  const now = medianMicros(encodeReply, query, reply)
  const before = medianMicros(baseline.encodeReply, query, reply)
  console.log(`${label.padEnd(34)} clusterdns ${now.toFixed(3)}  baseline ${before.toFixed(3)}  ratio ${(now / before).toFixed(2)}`)
}
