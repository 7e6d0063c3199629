import { RRType } from './constants.js'
import { recordSpans } from './wire-ttls.js'

/**
 * A message without its OPT record, which is hop-by-hop (RFC 6891 6.1.1): what the cache keeps, as
 * CoreDNS's does. Unchanged when it has none, does not parse, or records follow the OPT (taking it
 * out would move the names they may point at).
 */
export function withoutOpt(wire: Buffer): Buffer {
  const opt = recordSpans(wire)?.sections[2]!.at(-1)
  if (opt?.type !== RRType.OPT) return wire
  const out = Buffer.from(wire.subarray(0, opt.start))
  out.writeUInt16BE(wire.readUInt16BE(10) - 1, 10)
  return out
}

/**
 * A relayed message cut to its header, question and answer section, keeping only its OPT record
 * from the additional section (`minimal`). Returned unchanged when it does not parse.
 */
export function answerSectionOnly(wire: Buffer): Buffer {
  const spans = recordSpans(wire)
  if (!spans) return wire
  const answerEnd = spans.sections[0]!.at(-1)?.end ?? spans.questionEnd
  const opt = spans.sections[2]!.find((r) => r.type === RRType.OPT)
  const out = Buffer.concat([wire.subarray(0, answerEnd), opt ? wire.subarray(opt.start, opt.end) : Buffer.alloc(0)])
  out.writeUInt16BE(0, 8)
  out.writeUInt16BE(opt ? 1 : 0, 10)
  return out
}
