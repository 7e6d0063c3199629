/**
 * Why Pods are read for some fields and EndpointSlices parsed whole (watched-kinds.ts): the CPU
 * cost of one watch event line of each, from bench/synthetic-cluster.ts's objects, read by
 * parseWatchEvent for the fields the store keeps and parsed whole by JSON.parse, in the same run.
 * Lines are slices of decoded 64 KiB chunks, as the watch hands them over. Each sample reads every
 * line once; reports the median µs per line over ROUNDS samples and the ratio of the two ways.
 *
 *   npm run bench:parse [-- ROUNDS]      (default 15)
 */
import { parseWatchEvent, type Fields } from '../src/cluster/api/json-fields.js'
import { PODS } from '../src/cluster/api/watched-kinds.js'
import { median } from './median.js'
import { syntheticCluster } from './synthetic-cluster.js'

const [rounds = 15] = process.argv.slice(2).map(Number)

/** What projectEndpointSlice reads of a slice: not its managedFields, nor each endpoint's zone, node and pod uid. */
const SLICE_FIELDS: Fields = {
  metadata: { name: true, namespace: true, resourceVersion: true, labels: true, annotations: true },
  addressType: true,
  endpoints: { addresses: true, conditions: true, hostname: true, targetRef: { kind: true, name: true } },
  ports: true,
}

/** The lines as a watch reads them: decoded 64 KiB at a time, each line a slice of its chunk. */
function watchLines(objects: readonly unknown[]): string[] {
  const lines: string[] = []
  const split = (chunk: string): void => {
    const decoded = Buffer.from(chunk).toString('utf8')
    for (let start = 0, nl = decoded.indexOf('\n'); nl !== -1; start = nl + 1, nl = decoded.indexOf('\n', start)) lines.push(decoded.slice(start, nl))
  }
  let chunk = ''
  for (const object of objects) {
    chunk += `${JSON.stringify({ type: 'ADDED', object })}\n`
    if (chunk.length >= 64 * 1024) {
      split(chunk)
      chunk = ''
    }
  }
  split(chunk)
  return lines
}

const pods: unknown[] = []
const slices: unknown[] = []
for (const object of syntheticCluster({ namespaces: 100, services: 2000, podsPerService: 10, extraPodsPerService: 5 })) {
  if (object.kind === 'Pod') pods.push(object)
  if (object.kind === 'EndpointSlice') slices.push(object)
}

let kept = 0
/** µs per line of reading every line with `fields` (`true`: JSON.parse). */
function sample(lines: readonly string[], fields: Fields | true): number {
  const began = performance.now()
  for (const line of lines) if ((parseWatchEvent(line, fields) as { object?: unknown }).object) kept++
  return ((performance.now() - began) * 1000) / lines.length
}

for (const [kind, objects, fields] of [['Pod', pods, PODS.fields], ['EndpointSlice', slices, SLICE_FIELDS]] as const) {
  const lines = watchLines(objects)
  const chars = lines.reduce((sum, line) => sum + line.length, 0) / lines.length
  const [read, whole]: number[][] = [[], []]
  // The first rounds are warm-up (JIT): dropped.
  for (let round = 0; round < rounds + 3; round++) {
    const [r, w] = [sample(lines, fields), sample(lines, true)]
    if (round < 3) continue
    read.push(r)
    whole.push(w)
  }
  console.log(
    `${kind} (${lines.length} lines, ${chars.toFixed(0)} chars each): fields read ${median(read).toFixed(2)} µs, ` +
      `parsed whole ${median(whole).toFixed(2)} µs: whole/fields ${(median(whole) / median(read)).toFixed(2)}`,
  )
}
if (kept === 0) throw new Error('no line was read')
