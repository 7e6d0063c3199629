import { UsageError } from '../../errors.js'
import { DEFAULT_EXPLAIN_ADDRESS } from './setup.js'

/**
 * `clusterdns explain NAME [TYPE] [--client IP] [--server URL] [--json]`: prints a running server's
 * explanation; a one-line error and 1 when it cannot get one.
 */
export async function explainCommand(argv: readonly string[], out: (text: string) => void, fail: (line: string) => void): Promise<number> {
  const words: string[] = []
  const options = { server: `http://${DEFAULT_EXPLAIN_ADDRESS}`, client: '', json: false }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new UsageError(`${flag} needs a value`)
      return v
    }
    if (flag === '--server' || flag === '-server') options.server = value()
    else if (flag === '--client' || flag === '-client') options.client = value()
    else if (flag === '--json' || flag === '-json') options.json = true
    else if (flag.startsWith('-') && flag.length > 1) throw new UsageError(`unknown flag ${flag}`)
    else words.push(argv[i]!)
  }
  if (words.length < 1 || words.length > 2) throw new UsageError('explain needs NAME [TYPE]')
  const url = new URL('/debug/explain', options.server)
  url.searchParams.set('name', words[0]!)
  url.searchParams.set('type', words[1] ?? 'A')
  if (options.client) url.searchParams.set('client', options.client)
  if (options.json) url.searchParams.set('format', 'json')
  let response: Response
  try {
    response = await fetch(url)
  } catch (err) {
    fail(`cannot reach ${url.origin}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`)
    return 1
  }
  const body = await response.text()
  if (response.status !== 200) {
    fail(`${url.origin} answered ${response.status}: ${body.trim().split('\n')[0]}`)
    return 1
  }
  out(body)
  return 0
}
