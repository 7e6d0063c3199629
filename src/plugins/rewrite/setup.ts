import { emptyReply, type DnsQuery, type Reply, type ResourceRecord } from '../../dns/message.js'
import { renamedQuery } from '../../dns/renamed-query.js'
import type { PluginDefinition } from '../plugin.js'
import { parseNameRule } from './name-rule.js'
import { rewriteRelayed } from '../../dns/relayed-message.js'
import { Rcode } from '../../dns/constants.js'

/** With `answer auto`: names equal to the rewritten one become the asked name again. */
function restoredRecords(records: readonly ResourceRecord[], rewritten: string, asked: string): ResourceRecord[] {
  const back = (name: string): string => (name.toLowerCase() === rewritten ? asked : name)
  return records.map((r) => ('target' in r ? { ...r, name: back(r.name), target: back(r.target) } : { ...r, name: back(r.name) }))
}

/**
 * The reply to the asked question: a relayed one (its question is the rewritten name, and its
 * names may point into it) is rebuilt around the asked question; with `answer auto` the
 * rewritten name is turned back into the asked one in the records.
 */
function restored(query: DnsQuery, rewritten: DnsQuery, reply: Reply, answerAuto: boolean): Reply {
  if (!reply.relayed) {
    if (!answerAuto) return reply
    return {
      ...reply,
      answer: restoredRecords(reply.answer, rewritten.lowerName, query.name),
      authority: restoredRecords(reply.authority, rewritten.lowerName, query.name),
      additional: restoredRecords(reply.additional, rewritten.lowerName, query.name),
    }
  }
  const back = (name: string): string => (answerAuto && name.toLowerCase() === rewritten.lowerName ? query.name : name)
  const wire = rewriteRelayed(reply.relayed, { questionWire: query.questionWire, questionName: query.name, rename: back })
  return wire ? { ...reply, relayed: wire } : emptyReply(Rcode.SERVFAIL, reply.plugin)
}

/**
 * `rewrite [continue|stop] name [exact|prefix|suffix|substring|regex] FROM TO [answer auto]`:
 * the query goes on with another name. Rules apply in order; `stop` (the default) ends with the
 * first that matched, `continue` lets the next rules see the rewritten name.
 */
export const rewrite: PluginDefinition = {
  name: 'rewrite',
  setup(uses) {
    const rules = uses.map(parseNameRule)
    return {
      middleware: (next) => async (query) => {
        let name = query.lowerName
        let answerAuto = false
        let matched = false
        for (const rule of rules) {
          const rewrittenName = rule.rewrite(name)
          if (rewrittenName === null) continue
          name = rewrittenName
          matched = true
          answerAuto ||= rule.answerAuto
          if (rule.stop) break
        }
        if (!matched || name === query.lowerName) return next(query)
        const rewritten = renamedQuery(query, name)
        return restored(query, rewritten, await next(rewritten), answerAuto)
      },
    }
  },
}
