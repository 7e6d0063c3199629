/**
 * Issue 10's cheap-packet finding: the CPU cost of decoding a valid query and of a 12-byte packet
 * whose four counts are all 65,535, with the server's decoder and, as the baseline in the same run,
 * with dns-packet's decoder (the first step of the decoder before issue 10, which allocates arrays
 * sized by the counts before it checks anything). Each sample decodes one packet for SAMPLE_MS;
 * reports the median µs per decode over ROUNDS samples, and the bomb/valid ratio of each decoder.
 *
 *   npm run bench:decode [-- ROUNDS SAMPLE_MS]      (default 30 50)
 */
import dnsPacket from 'dns-packet'
import { decodeQuery } from '../src/dns/query-decoder.js'
import { buildQuery } from '../test/support/raw-client.js'
import { median } from './median.js'

const [rounds = 30, sampleMs = 50] = process.argv.slice(2).map(Number)
const BATCH = 100

const packets = {
  valid: buildQuery('web.shop.svc.cluster.local', 'A', { edns: true }),
  'count bomb': Buffer.from([0x12, 0x34, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
}
const decoders = {
  'clusterdns decodeQuery': (p: Buffer): unknown => decodeQuery(p, 'udp', '127.0.0.1', 5353),
  'dns-packet decode (baseline)': (p: Buffer): unknown => {
    try {
      return dnsPacket.decode(p)
    } catch (err) {
      return err
    }
  },
}

const samples = new Map<string, number[]>()
let sink: unknown
// Rounds interleave every (decoder, packet) pair, so drift in the machine's load hits all alike.
for (let round = -3; round < rounds; round++) {
  for (const [decoderName, decode] of Object.entries(decoders)) {
    for (const [packetName, packet] of Object.entries(packets)) {
      const started = performance.now()
      let decodes = 0
      while (performance.now() - started < sampleMs) {
        for (let i = 0; i < BATCH; i++) sink = decode(packet)
        decodes += BATCH
      }
      const micros = ((performance.now() - started) * 1000) / decodes
      // The first rounds warm the JIT and are not counted.
      if (round >= 0) samples.set(`${decoderName}|${packetName}`, [...(samples.get(`${decoderName}|${packetName}`) ?? []), micros])
    }
  }
}
void sink

console.log(`median µs per decode over ${rounds} samples of ${sampleMs} ms each`)
console.log(`${'decoder'.padEnd(30)}${'valid query'.padStart(14)}${'count bomb'.padStart(14)}${'bomb/valid'.padStart(12)}`)
for (const decoderName of Object.keys(decoders)) {
  const valid = median(samples.get(`${decoderName}|valid`)!)
  const bomb = median(samples.get(`${decoderName}|count bomb`)!)
  console.log(`${decoderName.padEnd(30)}${valid.toFixed(3).padStart(14)}${bomb.toFixed(3).padStart(14)}${(bomb / valid).toFixed(2).padStart(12)}`)
}
