import { canonicalIP } from '../../dns/address.js'
import { MAX_MESSAGE, Rcode, RRType } from '../../dns/constants.js'
import { internalQuery } from '../../dns/internal-query.js'
import type { DnsQuery } from '../../dns/message.js'
import { nameLabels, normalizeName, zoneText } from '../../dns/names.js'
import { messageText, recordText, type MessageText } from '../../dns/presentation.js'
import { encodeReply } from '../../dns/response-encoder.js'
import { rcodeName } from '../../dns/type-names.js'
import type { BlockContext, ExplainedLookup, SourceObject } from '../plugin.js'

const TYPES = new Map<string, number>(Object.entries(RRType))

/** A question `explain` was asked; `client` is the address the query is asked as (autopath's pod). */
export interface Question {
  readonly name: string
  readonly type: number
  readonly client: string | null
}

export interface Explanation {
  readonly question: { readonly name: string; readonly type: string; readonly client: string | null }
  /** The server block and zone that answer the name; null when none of this listener's does (REFUSED). */
  readonly server: { readonly block: string; readonly zone: string } | null
  /** The plugin that wrote the reply. */
  readonly answeredBy: string
  readonly reply: MessageText
  /** Why there is no answer record, when there is none. */
  readonly reason: { readonly code: string; readonly text: string } | null
  /** Each answer record with the API objects it was made from (none: made from the name or an upstream). */
  readonly records: readonly { readonly record: string; readonly sources: readonly Source[] }[]
  /** autopath: the client's search path, and each name tried in turn with its rcode (the last answered). */
  readonly autopath: { readonly searchPath: readonly string[] | null; readonly steps: readonly { readonly name: string; readonly rcode: string }[] } | null
  /** forward: every upstream's health, and each one tried with what it answered. */
  readonly forward: { readonly upstreams: readonly { upstream: string; healthy: boolean }[]; readonly tried: readonly object[] } | null
  /** cache: whether it held the reply, and for how many more seconds. */
  readonly cache: { readonly held: boolean; readonly stale?: boolean; readonly remainingTtl?: number } | null
}

type Source = Omit<SourceObject, 'changedAt'> & { readonly changedAt: string | null }

export class BadQuestion extends Error {}

/** Reads `name`, `type` and `client` as the HTTP query and the CLI give them. */
export function parseQuestion(name: string | null, type: string | null, client: string | null): Question {
  if (name === null || name === '') throw new BadQuestion('name is missing')
  const lower = normalizeName(name)
  if (lower !== '' && nameLabels(lower) === null) {
    throw new BadQuestion(`${JSON.stringify(name)} is not a domain name`)
  }
  const typeText = (type ?? 'A').toUpperCase()
  const typeNumber = TYPES.get(typeText) ?? (/^(TYPE)?\d{1,5}$/.test(typeText) ? Number(typeText.replace('TYPE', '')) : NaN)
  if (!(typeNumber >= 1 && typeNumber <= 65535)) throw new BadQuestion(`${JSON.stringify(type)} is not a record type`)
  let address: string | null = null
  if (client !== null && client !== '') {
    address = canonicalIP(client)
    if (address === null) throw new BadQuestion(`client ${JSON.stringify(client)} is not an IP address`)
  }
  return { name: lower, type: typeNumber, client: address }
}

export const typeName = (type: number): string => [...TYPES].find(([, value]) => value === type)?.[0] ?? `TYPE${type}`
const withoutTtl = (line: string): string => line.toLowerCase().split(' ').filter((_, i) => i !== 1).join(' ')
const sourceText = (s: SourceObject): Source => ({ ...s, changedAt: s.changedAt === null ? null : new Date(s.changedAt * 1000).toISOString() })

/**
 * Asks the question through the chain a query for it would take (the route of the block's first
 * listener), marked so plugins note why, and puts their notes together.
 */
export async function explain(question: Question, block: BlockContext): Promise<Explanation> {
  const route = block.route(question.name)
  const notes: { plugin: string; detail: Record<string, unknown> }[] = []
  const query: DnsQuery = {
    ...internalQuery(question.name, question.type),
    transport: 'tcp',
    ...(question.client ? { remoteAddress: question.client } : {}),
    trace: { note: (plugin, detail) => notes.push({ plugin, detail: detail as Record<string, unknown> }) },
  }
  const reply = route ? await route.handler(query) : { rcode: Rcode.REFUSED, authoritative: false, answer: [], authority: [], additional: [], plugin: '' }
  const text = messageText(encodeReply(query, reply, MAX_MESSAGE))!
  const of = (plugin: string) => notes.filter((n) => n.plugin === plugin).map((n) => n.detail)

  // Which name the reply answers: autopath's last step, else the asked one.
  const autopathNotes = of('autopath')
  const steps = autopathNotes.filter((n) => 'step' in n).map((n) => ({ name: String(n.step), rcode: rcodeName(n.rcode as number) }))
  const answeredName = steps.at(-1)?.name.toLowerCase() ?? question.name
  const lookups = of('kubernetes') as unknown as ExplainedLookup[]
  // The kubernetes plugin's view of the name answered, even when the cache answered for it.
  const lookup = lookups.findLast((l) => l.name === answeredName) ?? block.plugin('kubernetes')?.explainName?.(answeredName, question.type) ?? null

  const known = new Map<string, Source[]>()
  for (const l of [...lookups, ...(lookup ? [lookup] : [])]) {
    for (const r of l.records) known.set(withoutTtl(recordText(r.record)), r.sources.map(sourceText))
  }
  const records = text.answer.map((record) => ({ record, sources: known.get(withoutTtl(record)) ?? [] }))
  const cacheNote = of('cache').at(0) ?? null
  const forwardNotes = of('forward')
  const upstreams = forwardNotes.find((n) => 'upstreams' in n)?.upstreams as { upstream: string; healthy: boolean }[] | undefined
  return {
    question: { name: zoneText(question.name), type: typeName(question.type), client: question.client },
    server: route ? { block: route.block, zone: zoneText(route.zone) } : null,
    answeredBy: reply.plugin,
    reply: text,
    reason: text.answer.length > 0 ? null : reasonOf(reply.rcode, reply.plugin, lookup, route !== null, forwardNotes),
    records,
    autopath: autopathNotes.length > 0 ? { searchPath: (autopathNotes[0]!.searchPath as string[] | null) ?? null, steps } : null,
    forward: upstreams ? { upstreams, tried: forwardNotes.filter((n) => !('upstreams' in n)) } : null,
    cache: cacheNote as Explanation['cache'],
  }
}

function reasonOf(rcode: number, plugin: string, lookup: ExplainedLookup | null, routed: boolean, forward: readonly Record<string, unknown>[]): Explanation['reason'] {
  if (!routed) return { code: 'no-server-block', text: 'no server block of this listener serves the name: REFUSED' }
  if (lookup?.reason && (plugin === 'kubernetes' || plugin === 'cache')) return lookup.reason
  if (plugin === 'forward') {
    const last = forward.at(-1)
    return { code: 'upstream', text: last && 'upstream' in last ? `upstream ${String(last.upstream)} answered ${rcodeName(rcode)}` : `no upstream answered: ${rcodeName(rcode)}` }
  }
  if (plugin === '') return { code: 'no-plugin', text: 'no plugin of the server block answers the name: REFUSED' }
  return { code: 'plugin', text: `${plugin} answered ${rcodeName(rcode)}` }
}

/** The explanation in plain words, one fact a line. */
export function explanationText(e: Explanation): string {
  const lines = [`${e.question.name} ${e.question.type}${e.question.client ? ` asked as ${e.question.client}` : ''}`]
  lines.push(e.server ? `server block ${e.server.block}, zone ${e.server.zone}; answered by ${e.answeredBy || 'nobody'}` : 'no server block serves it')
  lines.push(`reply: ${e.reply.rcode}, flags ${e.reply.flags.join(' ')}`)
  for (const [title, section] of [['answer', e.reply.answer], ['authority', e.reply.authority], ['additional', e.reply.additional]] as const) {
    if (section.length > 0) lines.push(`${title}:`, ...section.map((r) => `  ${r}`))
  }
  if (e.reason) lines.push(`why: ${e.reason.text} (${e.reason.code})`)
  for (const { record, sources } of e.records) {
    if (sources.length === 0) continue
    lines.push(`${record}`, ...sources.map((s) => `  from ${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}, resourceVersion ${s.resourceVersion || '(none)'}, changed ${s.changedAt ?? '(unknown)'}`))
  }
  if (e.autopath) {
    lines.push(`autopath: search path ${e.autopath.searchPath ? e.autopath.searchPath.join(' ') : '(client is no known pod)'}`)
    for (const step of e.autopath.steps) lines.push(`  tried ${step.name}: ${step.rcode}`)
  }
  if (e.forward) {
    lines.push(`forward: upstreams ${e.forward.upstreams.map((u) => `${u.upstream} (${u.healthy ? 'healthy' : 'down'})`).join(', ')}`)
    for (const t of e.forward.tried as Record<string, unknown>[]) {
      lines.push(`  asked ${String(t.upstream)}: ${'rcode' in t ? rcodeName(t.rcode as number) : String(t.error)}`)
    }
  }
  if (e.cache) lines.push(e.cache.held ? `cache: held${e.cache.stale ? ' (stale)' : ''}, ${e.cache.remainingTtl}s left` : 'cache: not held')
  return `${lines.join('\n')}\n`
}
