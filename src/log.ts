/**
 * Log lines in CoreDNS's format, `[LEVEL] plugin/NAME: message`, or one JSON object per line
 * (`{"time","level","plugin","message"}`) for log pipelines that parse them.
 */
export interface Logger {
  /** Written only while some server block has the `debug` directive. */
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export type LogFormat = 'text' | 'json'
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json']

type Level = 'debug' | 'info' | 'warning' | 'error'
type Sink = (line: string) => void

let sink: Sink = (line) => process.stdout.write(`${line}\n`)
let format: LogFormat = 'text'
/** How many running configurations asked for debug lines (a reload starts the new before stopping the old). */
let debugHolders = 0

/** Sends every log line to `next` (tests capture them; the CLI keeps stdout). */
export function setLogSink(next: Sink): void {
  sink = next
}

export function setLogFormat(next: LogFormat): void {
  format = next
}

/** Turns debug lines on until the returned function is called. */
export function holdDebug(): () => void {
  debugHolders++
  let held = true
  return () => {
    if (held) debugHolders--
    held = false
  }
}

/**
 * One line: a message of several lines (a list of Corefile problems) is joined with "; ", and any
 * other control character is written as `\DDD`, so nothing can start a line of its own.
 */
export function formatLogLine(level: Level, source: string, message: string): string {
  const text = message.replace(/\r?\n/g, '; ').replace(/[\x00-\x1f\x7f]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`)
  if (format === 'json') {
    const plugin = source.replace(/^plugin\//, '')
    return JSON.stringify({ time: new Date().toISOString(), level, plugin, message: text })
  }
  return `[${level.toUpperCase()}] ${source === '' ? '' : `${source}: `}${text}`
}

export function createLogger(source: string): Logger {
  const write = (level: Level, message: string): void => sink(formatLogLine(level, source, message))
  return {
    debug: (message) => {
      if (debugHolders > 0) write('debug', message)
    },
    info: (message) => write('info', message),
    warn: (message) => write('warning', message),
    error: (message) => write('error', message),
  }
}
