import type { Directive } from '../../config/corefile.js'
import { durationArg, expectArgs } from '../../config/directive-args.js'
import { ConfigError } from '../../errors.js'
import type { Logger } from '../../log.js'

type Level = keyof Logger

/** CoreDNS's limit on a pattern's length: compiling a huge one costs memory. */
const MAX_REGEXP_LENGTH = 10_000
const LEVELS: Record<string, Level> = { warning: 'warn', error: 'error', info: 'info', debug: 'debug' }

/** `consolidate DURATION REGEXP [LEVEL] [show_first]`. */
export interface ConsolidatePattern {
  readonly periodMs: number
  /** The pattern as written: the summary line quotes it. */
  readonly source: string
  readonly regexp: RegExp
  readonly level: Level
  /** The first error of a period is written at once (the summary then only when more followed). */
  readonly showFirst: boolean
}

/**
 * Go's regexp syntax, as far as JavaScript's differs for what log patterns use: a leading flag
 * group (`(?i)`) becomes flags.
 */
function goRegExp(o: Directive, text: string): RegExp {
  const flags = /^\(\?([ims]+)\)/.exec(text)
  try {
    return new RegExp(flags ? text.slice(flags[0].length) : text, flags ? [...new Set(flags[1])].join('') : '')
  } catch (err) {
    throw new ConfigError(o, `consolidate: ${(err as Error).message}`)
  }
}

export function parseConsolidate(o: Directive): ConsolidatePattern {
  expectArgs(o, 2, 4, 'consolidate DURATION REGEXP [LEVEL] [show_first]')
  const [period, source, ...rest] = o.args as [string, string, ...string[]]
  const periodMs = durationArg(o, period)
  if (source.length > MAX_REGEXP_LENGTH) throw new ConfigError(o, `regex pattern too long: ${source.length} > ${MAX_REGEXP_LENGTH}`)
  const regexp = goRegExp(o, source)
  let level: Level | null = null
  let showFirst = false
  // As CoreDNS: the level (if any) comes before show_first.
  for (const arg of rest) {
    if (arg in LEVELS) {
      if (level !== null) throw new ConfigError(o, 'multiple log levels specified in consolidate')
      if (showFirst) throw new ConfigError(o, 'log level must come before show_first in consolidate')
      level = LEVELS[arg]!
    } else if (arg === 'show_first') {
      showFirst = true
    } else {
      throw new ConfigError(o, `unknown option in consolidate: ${arg}`)
    }
  }
  return { periodMs, source, regexp, level: level ?? 'error', showFirst }
}

/** A duration as Go prints it (`30s`, `5m0s`, `1h0m0s`, `500ms`): the summary line quotes it so. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1) return `${+(ms * 1000).toFixed(3)}µs`
  if (ms < 1000) return `${+ms.toFixed(6)}ms`
  const hours = Math.floor(ms / 3_600_000)
  const minutes = Math.floor((ms % 3_600_000) / 60_000)
  const seconds = +((ms % 60_000) / 1000).toFixed(9)
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`
}

/**
 * Counts errors matching a pattern over its period, from the first one on, then writes
 * `N errors like 'REGEXP' occurred in last PERIOD` (CoreDNS's line) at the pattern's level.
 */
export class Consolidator {
  private readonly counts: number[]
  private readonly timers: (NodeJS.Timeout | null)[]

  constructor(
    private readonly patterns: readonly ConsolidatePattern[],
    private readonly log: Logger,
  ) {
    this.counts = patterns.map(() => 0)
    this.timers = patterns.map(() => null)
  }

  /** The level to write `error` at now, or null when it is only counted. */
  levelFor(error: string): Level | null {
    const i = this.patterns.findIndex((p) => p.regexp.test(error))
    if (i === -1) return 'error'
    const pattern = this.patterns[i]!
    if (++this.counts[i]! > 1) return null
    const timer = setTimeout(() => this.summarize(i), pattern.periodMs)
    timer.unref()
    this.timers[i] = timer
    return pattern.showFirst ? pattern.level : null
  }

  private summarize(i: number): void {
    const pattern = this.patterns[i]!
    const count = this.counts[i]!
    this.counts[i] = 0
    this.timers[i] = null
    if (count > 1 || (count === 1 && !pattern.showFirst)) {
      this.log[pattern.level](`${count} errors like '${pattern.source}' occurred in last ${goDuration(pattern.periodMs)}`)
    }
  }

  /** On shutdown or reload, as CoreDNS: what was counted so far is written now. */
  stop(): void {
    this.timers.forEach((timer, i) => {
      if (timer === null) return
      clearTimeout(timer)
      this.summarize(i)
    })
  }
}
