import type { Logger } from './log.js'

const WINDOW_MS = 10_000
/** Lines of one kind written in a window before the rest are only counted. */
const BURST = 5

type Level = keyof Logger

/**
 * `n` with a comma between groups of three digits, as en-US writes it. Not `toLocaleString`: its
 * first call loads ICU's locale data, 7 MiB more RSS for as long as the process runs.
 */
const grouped = (n: number): string => String(n).replace(/\B(?=(\d{3})+$)/g, ',')

/**
 * A logger for errors that can repeat once per query (an upstream down, a flood of bad input): of
 * each kind, the first BURST lines in a window are written, the others counted and summarized when
 * the window ends ("… and 7,643 more in the last 10 s").
 */
export class LimitedLog {
  private readonly kinds = new Map<string, { written: number; dropped: number; level: Level }>()
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly log: Logger,
    private readonly windowMs = WINDOW_MS,
    private readonly burst = BURST,
  ) {}

  info = (kind: string, message: string): void => this.write('info', kind, message)
  warn = (kind: string, message: string): void => this.write('warn', kind, message)
  error = (kind: string, message: string): void => this.write('error', kind, message)

  private write(level: Level, kind: string, message: string): void {
    let seen = this.kinds.get(kind)
    if (!seen) this.kinds.set(kind, (seen = { written: 0, dropped: 0, level }))
    if (seen.written < this.burst) {
      seen.written++
      this.log[level](message)
    } else {
      seen.dropped++
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.endWindow(), this.windowMs)
      this.timer.unref()
    }
  }

  private endWindow(): void {
    this.timer = null
    const seconds = this.windowMs / 1000
    for (const [kind, { dropped, level }] of this.kinds) {
      if (dropped > 0) this.log[level](`${kind}: … and ${grouped(dropped)} more in the last ${seconds} s`)
    }
    this.kinds.clear()
  }
}
