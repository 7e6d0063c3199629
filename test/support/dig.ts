import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A reply as dig or kdig printed it: each section's records normalized and sorted. */
export interface DigReply {
  readonly status: string
  readonly flags: readonly string[]
  readonly answer: readonly string[]
  readonly authority: readonly string[]
  readonly additional: readonly string[]
  /** The EDNS line (dig: `; EDNS: version: 0, flags:; udp: 1232`), or '' without OPT. */
  readonly edns: string
  readonly raw: string
}

export interface DigOptions {
  readonly port: number
  readonly server?: string
  readonly tool?: 'dig' | 'kdig'
  readonly tcp?: boolean
  /** Runs dig through this argv prefix (`ip netns exec NAME`). */
  readonly via?: readonly string[]
  /** Seconds dig waits for a reply (default 2). */
  readonly timeout?: number
  /** Extra flags (`+noedns`, `+bufsize=1232`, `+ignore`). */
  readonly flags?: readonly string[]
}

/**
 * Asks with the real dig (BIND) or kdig (Knot), never retrying, and parses what it printed.
 * Record lines become `name ttl class type rdata` with single spaces; an SOA's serial becomes
 * `<serial>` so answers compare across changes.
 */
export async function dig(name: string, type: string, options: DigOptions): Promise<DigReply> {
  const tool = options.tool ?? 'dig'
  const args = [`@${options.server ?? '127.0.0.1'}`, '-p', String(options.port), name, type]
  args.push(
    ...(tool === 'dig'
      ? ['+tries=1', `+timeout=${options.timeout ?? 2}`, '+noall', '+comments', '+answer', '+authority', '+additional', '+nocookie']
      : ['+retry=0', `+time=${options.timeout ?? 2}`, '+nocrypto']),
  )
  if (options.tcp) args.push('+tcp')
  args.push(...(options.flags ?? []))
  const argv = [...(options.via ?? []), tool, ...args]
  const { stdout } = await run(argv[0]!, argv.slice(1), { timeout: 10_000 }).catch((err: { stdout?: string; message: string }) => {
    // dig exits 9 on no reply: the test sees status 'NO REPLY' rather than an exception.
    return { stdout: err.stdout ?? '' }
  })
  return parseDigOutput(stdout)
}

export function parseDigOutput(text: string): DigReply {
  const sections: Record<'answer' | 'authority' | 'additional', string[]> = { answer: [], authority: [], additional: [] }
  let current: keyof typeof sections | null = null
  let status = 'NO REPLY'
  let flags: string[] = []
  let edns = ''
  for (const line of text.split('\n')) {
    const header = /status: ([A-Z]+)/.exec(line)
    if (header && line.includes('->>HEADER<<-')) status = header[1]!
    const flagLine = /^;; flags: ([^;]*);/i.exec(line)
    if (flagLine) flags = flagLine[1]!.trim().split(/\s+/).filter(Boolean).sort()
    if (/EDNS: version/.test(line) || /^;; Version: \d+; flags:/.test(line)) edns = line.replace(/^;+\s*/, '')
    if (/ANSWER SECTION/.test(line)) current = 'answer'
    else if (/AUTHORITY SECTION/.test(line)) current = 'authority'
    else if (/ADDITIONAL SECTION/.test(line)) current = 'additional'
    else if (line.trim() !== '' && !line.startsWith(';') && current) {
      sections[current].push(normalizeRecord(line))
    }
  }
  return {
    status,
    flags,
    answer: sections.answer.sort(),
    authority: sections.authority.sort(),
    additional: sections.additional.sort(),
    edns,
    raw: text,
  }
}

function normalizeRecord(line: string): string {
  const fields = line.trim().split(/\s+/)
  if (fields[3] === 'SOA') fields[6] = '<serial>'
  return fields.join(' ')
}
