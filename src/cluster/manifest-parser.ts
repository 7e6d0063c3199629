import { Composer, isCollection, LineCounter, Parser, visit, type Document, type YAMLError } from 'yaml'
import { ErrorCode, isError, ManifestError } from '../errors.js'
import { readTextFile } from '../text-file.js'

/** yaml's own default: an alias bomb (anchors of anchors) stops here instead of growing without bound. */
const MAX_ALIAS_COUNT = 100

export const tooLarge = (size: number, maxBytes: number): string => `${size} bytes, more than the limit of ${maxBytes} (manifest_max_size)`

/**
 * Every object in one YAML/JSON text, document by document (only one document's syntax tree is held
 * at a time): multi-document, `kind: List` and `*List` flattened. Any problem, whatever the yaml
 * library throws, is a ManifestError naming the file (and the line, when there is one).
 */
export function* manifestObjects(file: string, text: string): Generator<unknown> {
  const lines = new LineCounter()
  const documents = new Composer().compose(new Parser(lines.addNewLine).parse(text), true, text.length)
  for (;;) {
    let value: unknown
    try {
      const next = documents.next()
      if (next.done) return
      const doc = next.value
      const problem = doc.errors[0]
      if (problem) throw new ManifestError(file, `line ${lines.linePos(faultOffset(doc, problem)).line}: ${problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, '')}`)
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
    } catch (err) {
      if (isError(err, ErrorCode.MANIFEST)) throw err
      throw new ManifestError(file, (err as Error).message.split('\n')[0]!, { cause: err })
    }
    if (value !== null && value !== undefined) yield* flatten(value)
  }
}

/**
 * Where the fault is: the parser notices an unclosed `[` or `{` only at the line after, so such an
 * error is placed where the collection opens.
 */
function faultOffset(doc: Document.Parsed, problem: YAMLError): number {
  let offset = problem.pos[0]
  visit(doc, (_key, node) => {
    if (isCollection(node) && node.flow && node.range?.[1] === problem.pos[0] && node.range[0] < offset) offset = node.range[0]
  })
  return offset
}

function* flatten(obj: unknown): Generator<unknown> {
  const o = obj as { kind?: unknown; items?: unknown }
  if (typeof o === 'object' && o !== null && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
    for (const item of o.items) yield* flatten(item)
  } else {
    yield obj
  }
}

/** Every object of a manifest file, read at once (the test API server seeds itself with this). */
export function readManifestObjects(file: string): unknown[] {
  const text = readTextFile(file, (reason) => new ManifestError(file, `cannot read: ${reason}`))
  return [...manifestObjects(file, text)]
}
