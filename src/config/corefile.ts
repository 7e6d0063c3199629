import { globSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { ConfigError, type SourcePosition } from '../errors.js'
import { substituteEnv, tokenize, type Token } from './lexer.js'
import { readTextFile } from '../text-file.js'

/** A directive (or an option inside a directive's block) with its arguments. */
export interface Directive extends SourcePosition {
  readonly name: string
  readonly args: readonly string[]
  /** The `{ … }` block that follows it, or null when it has none. */
  readonly block: readonly Directive[] | null
}

/** A server block as written: its keys (`.:53`, `dns://cluster.local:1053`) and directives. */
export interface ServerBlockSource extends SourcePosition {
  readonly keys: readonly string[]
  readonly directives: readonly Directive[]
}

export interface ParseOptions {
  readonly env?: NodeJS.ProcessEnv
  /** Called for things worth saying that are not errors (an import glob that matched nothing). */
  readonly warn?: (message: string) => void
}

const MAX_IMPORT_DEPTH = 10
const GLOB_CHARS = /[*?[\]]/

/** Reads and parses a Corefile, following its imports. Every error names file and line. */
export function parseCorefileFile(path: string, options: ParseOptions = {}): ServerBlockSource[] {
  const file = resolve(path)
  return parseCorefile(readCorefile(file), file, options)
}

/** A Corefile's text; a file that cannot be read is a ConfigError naming it. */
export function readCorefile(file: string): string {
  return readTextFile(file, (reason) => new ConfigError({ file, line: 0 }, `cannot read Corefile: ${reason}`))
}

/** Parses Corefile text that was read from `file` (imports resolve relative to its folder). */
export function parseCorefile(text: string, file: string, options: ParseOptions = {}): ServerBlockSource[] {
  const env = options.env ?? process.env
  const context: ImportContext = { env, warn: options.warn ?? (() => {}), snippets: new Map() }
  const tokens = expandImports(takeSnippets(tokenize(substituteEnv(text, env), file), context), context, [file])
  return new BlockParser(tokens, file).serverBlocks()
}

interface ImportContext {
  readonly env: NodeJS.ProcessEnv
  readonly warn: (message: string) => void
  readonly snippets: Map<string, Token[]>
}

const isOpen = (t: Token | undefined): boolean => t !== undefined && !t.quoted && t.text === '{'
const isClose = (t: Token | undefined): boolean => t !== undefined && !t.quoted && t.text === '}'
const sameLine = (a: Token, b: Token | undefined): boolean => b !== undefined && a.file === b.file && a.line === b.line

/** Removes top-level `(name) { … }` snippet definitions, keeping them for `import name`. */
function takeSnippets(tokens: Token[], context: ImportContext): Token[] {
  const rest: Token[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (!t.quoted && /^\(.+\)$/.test(t.text) && isOpen(tokens[i + 1])) {
      let depth = 0
      let j = i + 1
      for (; j < tokens.length; j++) {
        if (isOpen(tokens[j])) depth++
        else if (isClose(tokens[j]) && --depth === 0) break
      }
      if (j >= tokens.length) throw new ConfigError(t, `snippet ${t.text} is missing its closing '}'`)
      context.snippets.set(t.text.slice(1, -1), tokens.slice(i + 2, j))
      i = j
    } else {
      rest.push(t)
    }
  }
  return rest
}

function expandImports(tokens: Token[], context: ImportContext, stack: string[]): Token[] {
  const out: Token[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    const startsLine = i === 0 || !sameLine(t, tokens[i - 1])
    if (t.quoted || t.text !== 'import' || !startsLine) {
      out.push(t)
      continue
    }
    const target = tokens[i + 1]
    if (!target || !sameLine(t, target)) throw new ConfigError(t, 'import needs a file pattern or a snippet name')
    if (sameLine(t, tokens[i + 2])) throw new ConfigError(t, 'import takes exactly one argument')
    i++
    if (stack.length > MAX_IMPORT_DEPTH) throw new ConfigError(t, `imports nested more than ${MAX_IMPORT_DEPTH} deep (a cycle?)`)
    const snippet = context.snippets.get(target.text)
    if (snippet) {
      out.push(...expandImports(snippet, context, [...stack, `(${target.text})`]))
      continue
    }
    for (const file of importedFiles(target, context)) {
      if (stack.includes(file)) throw new ConfigError(t, `import cycle: ${file} imports itself`)
      const text = readFileSync(file, 'utf8')
      const imported = takeSnippets(tokenize(substituteEnv(text, context.env), file), context)
      out.push(...expandImports(imported, context, [...stack, file]))
    }
  }
  return out
}

function importedFiles(target: Token, context: ImportContext): string[] {
  const pattern = isAbsolute(target.text) ? target.text : resolve(dirname(target.file), target.text)
  if (!GLOB_CHARS.test(target.text)) {
    try {
      readFileSync(pattern)
    } catch {
      throw new ConfigError(target, `import: file not found: ${pattern}`)
    }
    return [pattern]
  }
  const files = globSync(pattern).sort()
  if (files.length === 0) context.warn(`${target.file}:${target.line}: import: no files match ${pattern}`)
  return files
}

class BlockParser {
  private at = 0
  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  serverBlocks(): ServerBlockSource[] {
    const blocks: ServerBlockSource[] = []
    while (this.at < this.tokens.length) {
      const first = this.tokens[this.at]!
      const keys: string[] = []
      while (this.at < this.tokens.length && !isOpen(this.tokens[this.at])) {
        const t = this.tokens[this.at++]!
        if (isClose(t)) throw new ConfigError(t, "unexpected '}' (no block is open)")
        keys.push(...t.text.split(',').filter((k) => k !== ''))
      }
      if (this.at >= this.tokens.length) {
        throw new ConfigError(first, `expected '{' to open the server block for ${keys.join(' ')}`)
      }
      this.at++
      blocks.push({ keys, directives: this.directives(first), file: first.file, line: first.line })
    }
    if (blocks.length === 0) throw new ConfigError({ file: this.file, line: 1 }, 'no server blocks: the Corefile is empty')
    return blocks
  }

  /** Directives up to and including the `}` that closes the block opened at `opener`. */
  private directives(opener: Token): Directive[] {
    const list: Directive[] = []
    for (;;) {
      const name = this.tokens[this.at]
      if (!name) throw new ConfigError(opener, "block is missing its closing '}'")
      this.at++
      if (isClose(name)) return list
      if (isOpen(name)) throw new ConfigError(name, "unexpected '{': a block must follow a directive on its line")
      const args: string[] = []
      let block: Directive[] | null = null
      while (sameLine(name, this.tokens[this.at]) && !isClose(this.tokens[this.at])) {
        const t = this.tokens[this.at++]!
        if (isOpen(t)) {
          block = this.directives(t)
          break
        }
        args.push(t.text)
      }
      list.push({ name: name.text, args, block, file: name.file, line: name.line })
    }
  }
}
