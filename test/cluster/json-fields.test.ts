import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseFields, parseWatchEvent, splitListPage, type Fields } from '../../src/cluster/api/json-fields.js'

/** What parseFields must give: JSON.parse's value with only `fields` kept of each object. */
function picked(value: unknown, fields: Fields | true): unknown {
  if (fields === true || typeof value !== 'object' || value === null || Array.isArray(value)) return value
  const kept: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) if (Object.hasOwn(fields, key)) kept[key] = picked(field, fields[key]!)
  return kept
}

// Keys and strings with quotes, backslashes, escapes and brackets: what the scan must step over.
const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', 'é', '\u0001') })
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(tie('value')), tie('object')),
  object: fc.dictionary(fc.oneof(text, fc.constantFrom('metadata', 'name', 'status')), tie('value')),
})).value
const fields: fc.Arbitrary<Fields> = fc.letrec((tie) => ({
  fields: fc.dictionary(fc.oneof(text, fc.constantFrom('metadata', 'name', 'status')), fc.oneof({ depthSize: 'small' }, fc.constant(true as const), tie('fields'))),
})).fields as fc.Arbitrary<Fields>
/** JSON.stringify's text, or the same with whitespace between every token. */
const written = (value: unknown, spaced: boolean): string => (spaced ? JSON.stringify(value, null, 2).replaceAll('\n', ' \r\n\t') : JSON.stringify(value))

describe('reading only some fields of JSON', () => {
  it('gives what JSON.parse gives, less the fields not asked for, for any JSON and any fields asked', () => {
    fc.assert(
      fc.property(json, fields, fc.boolean(), (value, wanted, spaced) => {
        const t = written(value, spaced)
        expect(parseFields(t, wanted)).toEqual(picked(JSON.parse(t), wanted))
      }),
      { numRuns: 2000 },
    )
  })

  it('finds every item of a list page as JSON.parse reads it, and the other fields', () => {
    fc.assert(
      fc.property(fc.array(json), json, fc.boolean(), (items, metadata, spaced) => {
        const page = splitListPage(written({ kind: 'PodList', metadata, items, after: [1, '"]}'] }, spaced))
        const whole = JSON.parse(page.text) as { metadata: unknown; items: unknown[] }
        expect(page.metadata).toEqual(whole.metadata)
        expect(page.items.map(([start, end]) => JSON.parse(page.text.slice(start, end)))).toEqual(whole.items)
      }),
      { numRuns: 1000 },
    )
  })

  it('reads an object event for the fields asked, a bookmark or an error whole', () => {
    const pod = { metadata: { name: 'a', managedFields: [{ x: '}' }] }, spec: { containers: [] } }
    const only = { metadata: { name: true } } as const
    expect(parseWatchEvent(JSON.stringify({ type: 'MODIFIED', object: pod }), only)).toEqual({ type: 'MODIFIED', object: { metadata: { name: 'a' } } })
    const error = { type: 'ERROR', object: { kind: 'Status', code: 410, metadata: {} } }
    expect(parseWatchEvent(JSON.stringify(error), only)).toEqual(error)
    const bookmark = { type: 'BOOKMARK', object: { metadata: { resourceVersion: '9', annotations: { 'k8s.io/initial-events-end': 'true' } } } }
    expect(parseWatchEvent(JSON.stringify(bookmark), only)).toEqual(bookmark)
  })

  it('throws SyntaxError where the text is not JSON, the skipped parts included', () => {
    const only = { metadata: true } as const
    for (const bad of ['', 'garbage', '{"metadata":{}', '{"spec":"open', '{"spec":[1,2}', '{"metadata":{}} x', '{"spec":1 "metadata":{}}', '{metadata:1}', '[1,2', '{"a":1}{']) {
      expect(() => parseFields(bad, only), bad).toThrow(SyntaxError)
      expect(() => splitListPage(bad), bad).toThrow(SyntaxError)
    }
    expect(() => parseWatchEvent('{"type":"ADDED","object":{"metadata":{"name":"a"}', only)).toThrow(SyntaxError)
  })
})
