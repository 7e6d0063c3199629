import { HEADER_SIZE, RRType } from './constants.js'
import type { EdnsOption } from './message.js'
import { optionsWire } from './query-packet.js'
import { skipName } from './wire-ttls.js'

/** Where one record of a message stands: from its owner name to the end of its rdata. */
interface RecordSpan {
  readonly start: number
  readonly end: number
  readonly type: number
  readonly rdlengthAt: number
}

/** The end of the question section and every record's span, per section; null when it does not parse. */
function recordSpans(wire: Buffer): { readonly questionEnd: number; readonly sections: readonly RecordSpan[][] } | null {
  if (wire.length < HEADER_SIZE) return null
  let offset = HEADER_SIZE
  for (let q = wire.readUInt16BE(4); q > 0; q--) {
    offset = skipName(wire, offset)
    if (offset < 0 || offset + 4 > wire.length) return null
    offset += 4
  }
  const questionEnd = offset
  const sections: RecordSpan[][] = [[], [], []]
  for (let s = 0; s < 3; s++) {
    for (let count = wire.readUInt16BE(6 + 2 * s); count > 0; count--) {
      const start = offset
      offset = skipName(wire, offset)
      if (offset < 0 || offset + 10 > wire.length) return null
      const end = offset + 10 + wire.readUInt16BE(offset + 8)
      if (end > wire.length) return null
      sections[s]!.push({ start, end, type: wire.readUInt16BE(offset), rdlengthAt: offset + 8 })
      offset = end
    }
  }
  return { questionEnd, sections }
}

/**
 * A relayed message with `options` added to its OPT record (nsid on a forwarded answer). Returned
 * unchanged when it has no OPT or does not parse.
 */
export function withEdnsOptions(wire: Buffer, options: readonly EdnsOption[]): Buffer {
  const opt = recordSpans(wire)?.sections[2]!.find((r) => r.type === RRType.OPT)
  const added = optionsWire(options)
  if (!opt || opt.end - opt.rdlengthAt - 2 + added.length > 0xffff) return wire
  const out = Buffer.concat([wire.subarray(0, opt.end), added, wire.subarray(opt.end)])
  out.writeUInt16BE(opt.end - opt.rdlengthAt - 2 + added.length, opt.rdlengthAt)
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
