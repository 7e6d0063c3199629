/**
 * JSON read only where it is needed. A Pod's JSON is ~3.7 KB and the store keeps its name, namespace,
 * phase and addresses: parsing all of it, 150,000 times in a first sync, was half the CPU time to
 * ready and most of the garbage. Here the text is scanned (strings and brackets only, at the speed
 * of indexOf) and only the fields asked for are parsed. What is skipped is not checked beyond its
 * brackets and strings; what is parsed is checked by JSON.parse, and text that is not JSON at all
 * throws SyntaxError.
 */

/** The fields to read of an object: `true` parses a field whole, a nested Fields reads part of it. */
export interface Fields {
  readonly [field: string]: Fields | true
}

/** A list page: its fields other than `items` parsed, and where each item's JSON lies in `text`. */
export interface ListPage {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string }
  /** [start, end) of each item in `text`. */
  readonly items: ReadonlyArray<readonly [number, number]>
  readonly text: string
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

const notJson = (at: number): SyntaxError => new SyntaxError(`not JSON at character ${at}`)
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++
  return i
}

/** The index after the string whose opening quote is at `i`. */
function stringEnd(text: string, i: number): number {
  for (let q = text.indexOf('"', i + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    let backslashes = 0
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return q + 1
  }
  throw notJson(i)
}

/** The index after the value that starts at `i`, following only its strings and brackets. */
function valueEnd(text: string, i: number): number {
  const start = i
  let depth = 0
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === QUOTE) {
      i = stringEnd(text, i)
      if (depth === 0) return i
      continue
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (depth === 0) return i
      if (--depth === 0) return i + 1
    } else if (depth === 0 && (c === COMMA || isSpace(c))) return i
    i++
  }
  // A number, true, false or null may end the text.
  if (depth === 0 && i > start) return i
  throw notJson(i)
}

/** After a member or an element: the index of the next one, or of the closing bracket `close`. */
function afterMember(text: string, i: number, close: number): number {
  i = skipSpace(text, i)
  if (text.charCodeAt(i) === COMMA) return skipSpace(text, i + 1)
  if (text.charCodeAt(i) !== close) throw notJson(i)
  return i
}

/**
 * Calls `member` with each key of the object at `i` and the index where its value starts; `member`
 * returns the index after the value. Returns the index after the object.
 */
function eachMember(text: string, i: number, member: (key: string, at: number) => number): number {
  if (text.charCodeAt(i) !== OPEN_BRACE) throw notJson(i)
  i = skipSpace(text, i + 1)
  while (text.charCodeAt(i) !== CLOSE_BRACE) {
    if (text.charCodeAt(i) !== QUOTE) throw notJson(i)
    const keyEnd = stringEnd(text, i)
    const raw = text.slice(i + 1, keyEnd - 1)
    const key = raw.includes('\\') ? (JSON.parse(text.slice(i, keyEnd)) as string) : raw
    i = skipSpace(text, keyEnd)
    if (text.charCodeAt(i) !== COLON) throw notJson(i)
    i = afterMember(text, member(key, skipSpace(text, i + 1)), CLOSE_BRACE)
  }
  return i + 1
}

/** The value at `i` (an object: only `fields` of it; anything else whole) and the index after it. */
function readValue(text: string, i: number, fields: Fields | true): [unknown, number] {
  if (fields === true || text.charCodeAt(i) !== OPEN_BRACE) {
    const end = valueEnd(text, i)
    return [JSON.parse(text.slice(i, end)), end]
  }
  const value: Record<string, unknown> = {}
  const end = eachMember(text, i, (key, at) => {
    const wanted = Object.hasOwn(fields, key) ? fields[key]! : null
    if (wanted === null) return valueEnd(text, at)
    const [field, after] = readValue(text, at, wanted)
    value[key] = field
    return after
  })
  return [value, end]
}

function expectEnd(text: string, i: number, end: number): void {
  if (skipSpace(text, i) !== end) throw notJson(i)
}

/** The JSON in text[start, end) with only `fields` read of it (of an object; anything else, or `true`, is parsed whole). */
export function parseFields(text: string, fields: Fields | true, start = 0, end = text.length): unknown {
  if (fields === true) return JSON.parse(start === 0 && end === text.length ? text : text.slice(start, end))
  const [value, after] = readValue(text, skipSpace(text, start), fields)
  expectEnd(text, after, end)
  return value
}

const OBJECT_EVENTS = new Set(['ADDED', 'MODIFIED', 'DELETED'])

/**
 * A watch event line. The object of an ADDED, MODIFIED or DELETED event (its type written first,
 * as the API server does) is read for `fields` only; a BOOKMARK's or an ERROR's whole.
 */
export function parseWatchEvent(text: string, fields: Fields | true): { type?: unknown; object?: unknown } {
  if (fields === true) return JSON.parse(text) as { type?: unknown; object?: unknown }
  const event: { type?: unknown; object?: unknown } = {}
  const end = eachMember(text, skipSpace(text, 0), (key, at) => {
    if (key !== 'type' && key !== 'object') return valueEnd(text, at)
    const [value, after] = readValue(text, at, key === 'object' && OBJECT_EVENTS.has(event.type as string) ? fields : true)
    event[key] = value
    return after
  })
  expectEnd(text, end, text.length)
  return event
}

/** Splits a list page (`{"kind":…,"metadata":{…},"items":[{…},…]}`) without parsing its items. */
export function splitListPage(text: string): ListPage {
  const fields: Record<string, unknown> = {}
  const items: Array<[number, number]> = []
  const end = eachMember(text, skipSpace(text, 0), (key, at) => {
    if (key !== 'items' || text.charCodeAt(at) !== OPEN_BRACKET) {
      const [value, after] = readValue(text, at, true)
      fields[key] = value
      return after
    }
    let i = skipSpace(text, at + 1)
    while (text.charCodeAt(i) !== CLOSE_BRACKET) {
      const itemEnd = valueEnd(text, i)
      items.push([i, itemEnd])
      i = afterMember(text, itemEnd, CLOSE_BRACKET)
    }
    return i + 1
  })
  expectEnd(text, end, text.length)
  return { metadata: fields.metadata as ListPage['metadata'], items, text }
}
