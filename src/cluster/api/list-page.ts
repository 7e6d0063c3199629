/**
 * A list page split without parsing it whole: its fields other than `items` parsed, and where each
 * item's JSON lies in the text. Each item is then parsed on its own, or refused unparsed when it is
 * over the object-size limit, and a page of 500 Pods never lives as one tree of objects.
 */
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

class NotJson extends SyntaxError {
  constructor(at: number) {
    super(`the list page is not JSON (at character ${at})`)
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++
  return i
}

/** The index after the string that starts (with its quote) at `i`. */
function stringEnd(text: string, i: number): number {
  for (let q = text.indexOf('"', i + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    let backslashes = 0
    while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++
    if (backslashes % 2 === 0) return q + 1
  }
  throw new NotJson(i)
}

/** The index after the value that starts at `i`; only its brackets and strings are followed, JSON.parse checks the rest. */
function valueEnd(text: string, i: number): number {
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
  throw new NotJson(i)
}

function expect(text: string, i: number, c: number): number {
  if (text.charCodeAt(i) !== c) throw new NotJson(i)
  return skipSpace(text, i + 1)
}

/** Splits a list page (`{"kind":…,"metadata":{…},"items":[{…},…]}`); throws SyntaxError where it is not JSON. */
export function splitListPage(text: string): ListPage {
  const fields: Record<string, unknown> = {}
  const items: Array<[number, number]> = []
  let i = expect(text, skipSpace(text, 0), OPEN_BRACE)
  while (text.charCodeAt(i) !== CLOSE_BRACE) {
    if (text.charCodeAt(i) !== QUOTE) throw new NotJson(i)
    const keyEnd = stringEnd(text, i)
    const key = JSON.parse(text.slice(i, keyEnd)) as string
    i = expect(text, skipSpace(text, keyEnd), COLON)
    if (key === 'items' && text.charCodeAt(i) === OPEN_BRACKET) {
      i = skipSpace(text, i + 1)
      while (text.charCodeAt(i) !== CLOSE_BRACKET) {
        const end = valueEnd(text, i)
        items.push([i, end])
        i = skipSpace(text, end)
        if (text.charCodeAt(i) === COMMA) i = skipSpace(text, i + 1)
        else if (text.charCodeAt(i) !== CLOSE_BRACKET) throw new NotJson(i)
      }
      i = skipSpace(text, i + 1)
    } else {
      const end = valueEnd(text, i)
      fields[key] = JSON.parse(text.slice(i, end))
      i = skipSpace(text, end)
    }
    if (text.charCodeAt(i) === COMMA) i = skipSpace(text, i + 1)
    else if (text.charCodeAt(i) !== CLOSE_BRACE) throw new NotJson(i)
  }
  if (skipSpace(text, i + 1) !== text.length) throw new NotJson(i + 1)
  return { metadata: fields.metadata as ListPage['metadata'], items, text }
}
