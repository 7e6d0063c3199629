import type { IncomingMessage, ServerResponse } from 'node:http'
import { expectNoBlock, httpAddressArg } from '../../config/directive-args.js'
import { Rcode } from '../../dns/constants.js'
import { zoneText } from '../../dns/names.js'
import type { BlockContext, PluginDefinition } from '../plugin.js'
import { BadQuestion, explain as explainQuestion, explanationText, parseQuestion, typeName } from './explanation.js'
import { TopNames } from './top-names.js'

/** Loopback only unless configured: explanations show what a cluster-wide `get` would. */
export const DEFAULT_EXPLAIN_ADDRESS = 'localhost:9154'
/** NXDOMAIN names counted at once (memory: ~100 bytes each); /debug/nxdomain shows the top ones. */
const TRACKED_NAMES = 512
const SHOWN_NAMES = 20

const wantsJson = (req: IncomingMessage, url: URL): boolean => url.searchParams.get('format') === 'json' || /application\/json/.test(req.headers.accept ?? '')

function send(res: ServerResponse, status: number, json: boolean, body: unknown, text: string): void {
  res.writeHead(status, { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8' }).end(json ? `${JSON.stringify(body, null, 2)}\n` : text)
}

/** `/debug/nxdomain`: the names answered NXDOMAIN most, each with why. */
function nxdomainReport(top: TopNames, block: BlockContext, n: number) {
  return top.top(n).map(({ name, type, count, plugin }) => {
    const lookup = block.plugin('kubernetes')?.explainName?.(name, type)
    const reason = lookup?.reason ?? (plugin === 'forward' ? { code: 'upstream', text: 'the upstream answered NXDOMAIN' } : { code: 'plugin', text: `${plugin} answered NXDOMAIN` })
    return { name: zoneText(name), type: typeName(type), count, answeredBy: plugin, reason }
  })
}

/**
 * `explain [ADDRESS]`: `/debug/explain?name=&type=[&client=]` asks the block's chain a question
 * and says why it answers what it does; `/debug/nxdomain` lists the names answered NXDOMAIN most.
 */
export const explain: PluginDefinition = {
  name: 'explain',
  once: true,
  setup(uses, block) {
    const d = uses[0]!
    expectNoBlock(d)
    const address = httpAddressArg(d, DEFAULT_EXPLAIN_ADDRESS)
    const top = new TopNames(TRACKED_NAMES)
    return {
      observe: () => ({ query, reply }) => {
        if (reply.rcode === Rcode.NXDOMAIN) top.add(query.lowerName, query.type, reply.plugin)
      },
      httpRoutes: [
        {
          address,
          path: '/debug/explain',
          async handle(res, req) {
            const url = new URL(req.url ?? '/', 'http://x')
            const json = wantsJson(req, url)
            const p = url.searchParams
            let question
            try {
              question = parseQuestion(p.get('name'), p.get('type'), p.get('client'))
            } catch (err) {
              if (!(err instanceof BadQuestion)) throw err
              send(res, 400, json, { error: err.message }, `${err.message}\n`)
              return
            }
            const explanation = await explainQuestion(question, block)
            send(res, 200, json, explanation, explanationText(explanation))
          },
        },
        {
          address,
          path: '/debug/nxdomain',
          handle(res, req) {
            const url = new URL(req.url ?? '/', 'http://x')
            const report = nxdomainReport(top, block, SHOWN_NAMES)
            const text = report.map((r) => `${r.count} ${r.name} ${r.type} (${r.answeredBy}): ${r.reason.text}\n`).join('')
            send(res, 200, wantsJson(req, url), report, text)
          },
        },
      ],
    }
  },
}
