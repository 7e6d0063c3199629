/** `[HOST]:PORT` as health, ready and prometheus take it; an empty host is every address. */
export interface HttpAddress {
  readonly host: string
  readonly port: number
}

export function parseHttpAddress(text: string): HttpAddress | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text)
  if (!m) return null
  const port = Number(m[3])
  if (port > 65535) return null
  return { host: m[1] ?? m[2] ?? '', port }
}
