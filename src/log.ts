/** Log lines in CoreDNS's format: `[LEVEL] plugin/NAME: message`. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

type Sink = (line: string) => void

let sink: Sink = (line) => process.stdout.write(`${line}\n`)

/** Sends every log line to `next` (tests capture them; the CLI keeps stdout). */
export function setLogSink(next: Sink): void {
  sink = next
}

export function createLogger(source: string): Logger {
  const prefix = source === '' ? '' : `${source}: `
  return {
    info: (message) => sink(`[INFO] ${prefix}${message}`),
    warn: (message) => sink(`[WARNING] ${prefix}${message}`),
    error: (message) => sink(`[ERROR] ${prefix}${message}`),
  }
}
