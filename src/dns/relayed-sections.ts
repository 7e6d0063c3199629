import { RRType } from './constants.js'
import type { EdnsOption } from './message.js'
import { optionsWire } from './query-packet.js'
import { recordSpans } from './wire-ttls.js'

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
