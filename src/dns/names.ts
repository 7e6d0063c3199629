/**
 * Names are held in presentation form, as dig prints them, without the trailing dot; the root is
 * ''. A label's bytes other than printable ASCII are written `\DDD`, and `.`, `\` and the zone-file
 * specials get a backslash (`\.`), so a dot inside a label never separates labels and an escaped
 * label never equals a cluster name. Matching is done on lower case; letters are only ever ASCII.
 */
export function normalizeName(text: string): string {
  const lower = text.toLowerCase()
  if (lower === '.' || lower === '') return ''
  return lower.endsWith('.') && !isEscaped(lower, lower.length - 1) ? lower.slice(0, -1) : lower
}

/** The most bytes a label holds and a name takes in wire form (RFC 1035 2.3.4). */
export const MAX_LABEL = 63
export const MAX_NAME_WIRE = 255

const BACKSLASH = 0x5c
const DOT = 0x2e

/** How each byte is written in a label: 1 as itself, 2 after a backslash, 0 as `\DDD` (BIND's rule). */
const BYTE_FORM = new Uint8Array(256)
for (let c = 0x21; c < 0x7f; c++) BYTE_FORM[c] = 1
for (const c of '"$();@\\.') BYTE_FORM[c.charCodeAt(0)] = 2

/** The presentation text of one label: `bytes[start, end)`. */
export function labelText(bytes: Buffer, start: number, end: number): string {
  let plain = true
  for (let i = start; i < end && plain; i++) plain = BYTE_FORM[bytes[i]!] === 1
  if (plain) return bytes.toString('latin1', start, end)
  let text = ''
  for (let i = start; i < end; i++) {
    const b = bytes[i]!
    const form = BYTE_FORM[b]
    text += form === 1 ? String.fromCharCode(b) : form === 2 ? `\\${String.fromCharCode(b)}` : `\\${String(b).padStart(3, '0')}`
  }
  return text
}

/**
 * Any text from the wire or the API made safe for one log line: printable ASCII as itself, a
 * backslash doubled, everything else (control characters, newlines, non-ASCII) as `\DDD` of its
 * UTF-8 bytes, as dig writes names.
 */
export function escapeText(text: string): string {
  if (/^[\x20-\x5b\x5d-\x7e]*$/.test(text)) return text
  const bytes = Buffer.from(text, 'utf8')
  let out = ''
  for (const b of bytes) {
    out += b === BACKSLASH ? '\\\\' : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\${String(b).padStart(3, '0')}`
  }
  return out
}

/** Whether the character at `index` follows an odd run of backslashes (`\.` is escaped, `\\.` is not). */
function isEscaped(name: string, index: number): boolean {
  let slashes = 0
  for (let i = index - 1; i >= 0 && name.charCodeAt(i) === BACKSLASH; i--) slashes++
  return slashes % 2 === 1
}

/** Where the label starting at `start` ends: the next dot that is not escaped, or the end. */
export function labelEnd(name: string, start: number): number {
  for (let i = start; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c === BACKSLASH) i++
    else if (c === DOT) return i
  }
  return name.length
}

/** The labels of `name` as presentation text, split at dots that are not escaped. */
export function splitName(name: string): string[] {
  if (name === '') return []
  if (!name.includes('\\')) return name.split('.')
  const labels: string[] = []
  for (let start = 0; ; ) {
    const end = labelEnd(name, start)
    labels.push(name.slice(start, end))
    if (end === name.length) return labels
    start = end + 1
  }
}

/**
 * The bytes of one label written in presentation form (`\DDD`, `\c`, other characters as UTF-8),
 * or null when an escape is cut short or a `\DDD` is over 255.
 */
export function labelBytes(text: string): Buffer | null {
  if (!text.includes('\\')) return Buffer.from(text, 'utf8')
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c !== BACKSLASH) {
      bytes.push(...Buffer.from(text[i]!, 'utf8'))
      continue
    }
    if (i + 1 >= text.length) return null
    if (/[0-9]/.test(text[i + 1]!)) {
      const digits = text.slice(i + 1, i + 4)
      if (!/^[0-9]{3}$/.test(digits) || Number(digits) > 255) return null
      bytes.push(Number(digits))
      i += 3
    } else {
      bytes.push(...Buffer.from(text[i + 1]!, 'utf8'))
      i++
    }
  }
  return Buffer.from(bytes)
}

/**
 * The labels of a name in presentation form as bytes, or null when it is no name that can be
 * written: an empty label, a bad escape, a label over 63 bytes or over 255 bytes in all.
 */
export function nameLabels(name: string): Buffer[] | null {
  const labels: Buffer[] = []
  let wireLength = 1
  for (const text of splitName(name)) {
    const bytes = labelBytes(text)
    if (bytes === null || bytes.length === 0 || bytes.length > MAX_LABEL) return null
    wireLength += 1 + bytes.length
    labels.push(bytes)
  }
  return wireLength > MAX_NAME_WIRE ? null : labels
}

/** A name in wire form, uncompressed; null as for `nameLabels`. */
export function nameWire(name: string): Buffer | null {
  const labels = nameLabels(name)
  if (labels === null) return null
  return Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])])
}

/** Whether `name` is `zone` or below it (both normalized). */
export function isInZone(name: string, zone: string): boolean {
  if (zone === '') return true
  if (name.length === zone.length) return name === zone
  const dot = name.length - zone.length - 1
  return name.length > zone.length && name.endsWith(zone) && name.charCodeAt(dot) === DOT && !isEscaped(name, dot)
}

/** Whether `name` is in any of `zones` (CoreDNS's Zones.Matches, as a yes or no). */
export function inAnyZone(name: string, zones: readonly string[]): boolean {
  for (const zone of zones) if (isInZone(name, zone)) return true
  return false
}

/** A zone as people and metrics write it: with its trailing dot, the root as `.`. */
export const zoneText = (zone: string): string => (zone === '' ? '.' : `${zone}.`)

/** The longest of `zones` that holds `name`, or null. */
export function longestZone(name: string, zones: readonly string[]): string | null {
  let best: string | null = null
  for (const zone of zones) {
    if (isInZone(name, zone) && (best === null || zone.length > best.length)) best = zone
  }
  return best
}

/** The labels of `name` left of `zone`, nearest the zone first (`a.b.zone` → ['b', 'a']). */
export function labelsBelow(name: string, zone: string): string[] {
  const rest = zone === '' ? name : name.slice(0, Math.max(0, name.length - zone.length - 1))
  return splitName(rest).reverse()
}
