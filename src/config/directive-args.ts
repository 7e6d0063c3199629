import { ConfigError, ConfigErrorList, configProblems } from '../errors.js'
import { parseHttpAddress } from '../http/listen-address.js'
import type { Directive } from './corefile.js'

// A plugin's setup throws these plainly; the server adds `plugin/NAME: ` where it calls the setup.

/** Fails unless `d` has between `min` and `max` arguments; `usage` shows the expected form. */
export function expectArgs(d: Directive, min: number, max: number, usage: string): void {
  if (d.args.length < min || d.args.length > max) {
    throw new ConfigError(d, `${d.name}: wrong number of arguments; expected \`${usage}\``)
  }
}

/** Fails unless the directive stands alone: no arguments, no block (`errors`, `any`, `loop`). */
export function expectBare(d: Directive): void {
  expectArgs(d, 0, 0, d.name)
  expectNoBlock(d)
}

/** Fails when the directive has a `{ … }` block it does not take. */
export function expectNoBlock(d: Directive): void {
  if (d.block) throw new ConfigError(d, `${d.name} takes no block`)
}

/** The `[ADDRESS]` argument of an HTTP endpoint (`:8080`, `localhost:9153`), `fallback` without one. */
export function httpAddressArg(d: Directive, fallback: string): string {
  expectArgs(d, 0, 1, `${d.name} [ADDRESS]`)
  const address = d.args[0] ?? fallback
  if (!parseHttpAddress(address)) throw new ConfigError(d, `${address} is not HOST:PORT`)
  return address
}

/** A duration argument of `d` (an option or directive) in milliseconds; fails naming `d`. */
export function durationArg(d: Directive, text: string): number {
  const ms = parseDuration(text)
  if (ms === null) throw new ConfigError(d, `${d.name}: ${text} is not a duration (like 5s)`)
  return ms
}

/** A whole-number argument of `d`; `what` names it in the error (`CAPACITY`, `N`). */
export function wholeNumberArg(d: Directive, text: string | undefined, what: string): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new ConfigError(d, `${d.name}: ${what} must be a whole number, not ${text}`)
  return Number(text)
}

/** `text` when it is one of `choices`; fails naming `what` (`pods`, `class`) and the choices. */
export function oneOfArg<T extends string>(d: Directive, what: string, text: string | undefined, choices: readonly T[]): T {
  if ((choices as readonly (string | undefined)[]).includes(text)) return text as T
  const allowed = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`
  throw new ConfigError(d, `${what}: ${text} is not ${allowed}`)
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }

/** A size in bytes (`65536`, `64K`, `64M`, `1G`: binary multiples) of `d`; fails naming `d`. */
export function byteSizeArg(d: Directive, text: string | undefined): number {
  const match = /^(\d+)([kmg]?)$/i.exec(text ?? '')
  if (!match) throw new ConfigError(d, `${d.name}: ${text} is not a size in bytes (like 64M)`)
  return Number(match[1]) * SIZE_UNITS[match[2]!.toLowerCase()]!
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const DURATION_PART = /(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g

/**
 * Parses a Go duration (`5s`, `1m30s`, `250ms`, `.5s`, and `0` without a unit, as Go's
 * time.ParseDuration) to milliseconds, or null. Negative durations are refused: no option takes one.
 */
export function parseDuration(text: string): number | null {
  const unsigned = text.startsWith('+') ? text.slice(1) : text
  if (unsigned === '0') return 0
  if (unsigned === '' || unsigned.replace(DURATION_PART, '') !== '') return null
  let total = 0
  for (const [, value, unit] of unsigned.matchAll(DURATION_PART)) total += Number(value) * UNIT_MS[unit!]!
  return total
}

/**
 * Reads each option of `d`'s block with `read`, going on past a bad one, so `-validate` names
 * every bad option of a directive in one run; throws them all together at the end.
 */
export function eachOption(d: Directive, read: (o: Directive) => void): void {
  readEach(d.block ?? [], read)
}

/** Reads each of `items` (options, uses of a directive), going on past bad ones; throws them all at the end. */
export function readEach<T>(items: readonly T[], read: (item: T) => void): void {
  const problems: ConfigError[] = []
  for (const item of items) {
    try {
      read(item)
    } catch (err) {
      problems.push(...configProblems(err))
    }
  }
  if (problems.length === 1) throw problems[0]
  if (problems.length > 1) throw new ConfigErrorList(problems)
}
