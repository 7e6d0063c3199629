import { answerRecords } from '../../dns/answer-records.js'
import { Rcode, RRType } from '../../dns/constants.js'
import { emptyReply, type DnsQuery, type NameRecord, type Reply, type ResourceRecord } from '../../dns/message.js'
import { rewriteRelayed } from '../../dns/relayed-message.js'
import type { PluginDefinition } from '../plugin.js'
import { parseRule, type ReplyEdit } from './rules.js'

type Edits = readonly ReplyEdit[]

/** The edits' functions of one kind composed, the last rule's first (CoreDNS reverts in reverse order). */
function composed<T>(edits: Edits, pick: (e: ReplyEdit) => ((x: T) => T) | undefined): ((x: T) => T) | undefined {
  const fns = edits.map(pick).filter((f): f is (x: T) => T => f !== undefined).reverse()
  return fns.length === 0 ? undefined : (x) => fns.reduce((v, f) => f(v), x)
}

/** A record with its owner, data names and TTL rewritten. */
function editedRecord(r: ResourceRecord, owner: (n: string) => string, value: (n: string) => string, ttl: (t: number) => number): ResourceRecord {
  const base = { ...r, name: owner(r.name), ttl: ttl(r.ttl) }
  if (base.type === RRType.SOA) return { ...base, mname: value(base.mname), rname: value(base.rname) }
  if ('target' in base) return { ...base, target: value(base.target) }
  return base
}

/**
 * The reply to the asked question, with the rules' reply edits: a relayed one (its question is
 * the rewritten one, and its names may point into it) is rebuilt around the asked question.
 */
function restored(query: DnsQuery, reply: Reply, edits: Edits): Reply {
  const owner = composed<string>(edits, (e) => e.owner)
  const value = composed<string>(edits, (e) => e.value)
  const ttl = composed<number>(edits, (e) => e.ttl)
  const rcode = composed<number>(edits, (e) => e.rcode)
  const dropped = new Set(edits.flatMap((e) => e.dropOptions ?? []))
  const newRcode = rcode ? rcode(reply.rcode) : reply.rcode
  if (reply.relayed) {
    const wire = rewriteRelayed(reply.relayed, {
      questionWire: query.questionWire,
      questionName: query.name,
      renameOwner: owner,
      renameData: value,
      ttl,
      rcode,
      keepOption: dropped.size > 0 ? (code) => !dropped.has(code) : undefined,
    })
    return wire ? { ...reply, rcode: newRcode, relayed: wire } : emptyReply(Rcode.SERVFAIL, reply.plugin)
  }
  if (!owner && !value && !ttl) return { ...reply, rcode: newRcode }
  const edit = (records: readonly ResourceRecord[]): ResourceRecord[] => records.map((r) => editedRecord(r, owner ?? ((n) => n), value ?? ((n) => n), ttl ?? ((t) => t)))
  return { ...reply, rcode: newRcode, answer: edit(reply.answer), authority: edit(reply.authority), additional: edit(reply.additional) }
}

/**
 * `cname [TYPE] FROM TO`: the first CNAME whose target matches points at the new target; the
 * records after it are replaced by the new target's, looked up through the block's own chain.
 */
async function withCnameRewritten(reply: Reply, query: DnsQuery, rewrite: (target: string) => string | null, resolve: (name: string, type: number) => Promise<Reply>): Promise<Reply> {
  const answer = answerRecords(reply)
  const at = answer.findIndex((r) => r.type === RRType.CNAME && rewrite(r.target.toLowerCase()) !== null)
  if (at === -1) return reply
  const cname = answer[at]! as NameRecord
  const target = rewrite(cname.target.toLowerCase())!
  const found = await resolve(target, query.type).then(answerRecords, () => [])
  return { rcode: Rcode.NOERROR, authoritative: reply.authoritative, answer: [...answer.slice(0, at), { ...cname, target }, ...found], authority: [], additional: [], plugin: reply.plugin }
}

/**
 * `rewrite [continue|stop] FIELD …` (name, type, class, edns0, ttl, rcode, cname; one per line or
 * as a block): the query goes on changed, and the reply comes back to the asked question with the
 * rules' reply edits. Rules apply in order; `stop` (the default) ends with the first that
 * matched, `continue` lets the next rules see the rewritten query.
 */
export const rewrite: PluginDefinition = {
  name: 'rewrite',
  setup(uses, block) {
    const rules = uses.map(parseRule)
    return {
      middleware: (next) => async (query) => {
        let current = query
        const edits: ReplyEdit[] = []
        for (const rule of rules) {
          const applied = rule.apply(current)
          if (!applied) continue
          current = applied.query
          if (applied.edit) edits.push(applied.edit)
          if (rule.stop) break
        }
        if (current === query && edits.length === 0) return next(query)
        const cnames = edits.flatMap((e) => (e.cnameTarget ? [e.cnameTarget] : []))
        let reply = await next(current)
        for (const cname of cnames) reply = await withCnameRewritten(reply, query, cname, block.resolve)
        return current === query && edits.every((e) => e.cnameTarget) ? reply : restored(query, reply, edits)
      },
    }
  },
}
