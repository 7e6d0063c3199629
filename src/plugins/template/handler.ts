import { answerRecords } from '../../dns/answer-records.js'
import { Flag, Rcode, RRClass, RRType } from '../../dns/constants.js'
import { emptyReply, type DnsQuery, type EdnsOption, type Reply, type ResourceRecord } from '../../dns/message.js'
import { inAnyZone, longestZone, zoneText } from '../../dns/names.js'
import { parseRecordText } from '../../dns/record-text.js'
import { className, typeName } from '../../dns/type-names.js'
import { createLogger } from '../../log.js'
import type { Handler, Middleware } from '../plugin.js'
import type { Fallthrough } from '../pkg/fallthrough.js'
import type { CompiledTemplate, TemplateData } from './go-template.js'

const PLUGIN = 'template'
const log = createLogger('plugin/template')

/** One `template` directive. */
export interface Template {
  readonly qclass: number
  readonly qtype: number
  readonly zones: readonly string[]
  readonly regexes: RegExp[]
  readonly answer: CompiledTemplate[]
  readonly additional: CompiledTemplate[]
  readonly authority: CompiledTemplate[]
  rcode: number
  ednsOptions: readonly EdnsOption[]
  fallthrough: Fallthrough
}

/** A template's verdict on a query: its data when it answers, or whether to go on. */
type Verdict = { readonly data: TemplateData } | 'next' | 'fail'

function judge(t: Template, query: DnsQuery): Verdict {
  const zone = longestZone(query.lowerName, t.zones)
  if (zone === null) return 'next'
  if (t.qclass !== RRClass.ANY && query.class !== t.qclass) return 'next'
  if (t.qtype !== RRType.ANY && query.type !== RRType.ANY && query.type !== t.qtype) return 'next'
  // CoreDNS matches the lower-case name with its trailing dot.
  const name = zoneText(query.lowerName)
  for (const regex of t.regexes) {
    const match = regex.exec(name)
    if (!match) continue
    const Match = [...match].map((m) => m ?? '')
    const Group: Record<string, string> = { ...Object.fromEntries(Match.map((m, i) => [String(i), m])), ...match.groups }
    for (const key of Object.keys(Group)) Group[key] ??= ''
    return {
      data: {
        Zone: zoneText(zone),
        Name: name,
        Regex: regex.source,
        Class: className(query.class),
        Type: typeName(query.type === RRType.ANY ? t.qtype : query.type),
        Remote: query.remoteAddress,
        Match,
        Group,
        Question: { Name: zoneText(query.name), Qtype: query.type, Qclass: query.class },
        Message: {
          Id: query.id,
          Opcode: (query.flags >> 11) & 0xf,
          RecursionDesired: (query.flags & Flag.RD) !== 0,
          CheckingDisabled: (query.flags & Flag.CD) !== 0,
          AuthenticatedData: (query.flags & Flag.AD) !== 0,
        },
      },
    }
  }
  return t.fallthrough.through(query.lowerName) ? 'next' : 'fail'
}

/** The records `templates` make from `data`; throws when a template fails or its text is no record. */
function records(templates: readonly CompiledTemplate[], data: TemplateData): ResourceRecord[] {
  return templates.map((run) => parseRecordText(run(data)))
}

/**
 * Tries each template in order. The first that matches answers (authoritatively, with its rcode);
 * one whose zone holds the name but no regex matched answers SERVFAIL unless it falls through.
 * A CNAME answered to an A or AAAA question is followed through the block's own chain (when its
 * target is outside the template's zones).
 */
export function templateMiddleware(templates: readonly Template[], resolve: (name: string, type: number) => Promise<Reply>): Middleware {
  const zones = templates.flatMap((t) => t.zones)
  return (next: Handler) => async (query) => {
    if (!inAnyZone(query.lowerName, zones)) return next(query)
    for (const t of templates) {
      const verdict = judge(t, query)
      if (verdict === 'next') continue
      if (verdict === 'fail' || t.rcode === Rcode.SERVFAIL) return emptyReply(Rcode.SERVFAIL, PLUGIN)
      let answer: ResourceRecord[]
      let authority: ResourceRecord[]
      let additional: ResourceRecord[]
      try {
        answer = records(t.answer, verdict.data)
        additional = records(t.additional, verdict.data)
        authority = records(t.authority, verdict.data)
      } catch (err) {
        log.error(`${query.name}. ${typeName(query.type)}: ${(err as Error).message}`)
        return emptyReply(Rcode.SERVFAIL, PLUGIN)
      }
      if (query.type === RRType.A || query.type === RRType.AAAA) {
        // A target in the template's own zones would come back here: not followed.
        for (const record of [...answer]) {
          if (record.type !== RRType.CNAME || inAnyZone(record.target.toLowerCase(), t.zones)) continue
          answer.push(...answerRecords(await resolve(record.target, query.type).catch(() => emptyReply(Rcode.SERVFAIL, PLUGIN))))
        }
      }
      return { rcode: t.rcode, authoritative: true, answer, authority, additional, plugin: PLUGIN, ednsOptions: t.ednsOptions }
    }
    return next(query)
  }
}
