import { ConfigError } from '../errors.js'

/** One word of a Corefile with where it stood. */
export interface Token {
  readonly text: string
  readonly file: string
  readonly line: number
  /** Quoted words are never braces or directives, whatever they spell. */
  readonly quoted: boolean
}

/** `{$NAME}` and `{%NAME%}` become the environment variable's value (empty when unset), as in CoreDNS. */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv): string {
  return text.replace(/\{\$([A-Za-z_][A-Za-z0-9_]*)\}|\{%([A-Za-z_][A-Za-z0-9_]*)%\}/g, (_, a, b) => env[a ?? b] ?? '')
}

/** Splits Corefile text into words: whitespace separates, `#` starts a comment, `"…"` quotes. */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === '\n') {
      line++
      i++
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i++
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++
    } else if (c === '"') {
      const startLine = line
      let word = ''
      i++
      for (;;) {
        if (i >= text.length) throw new ConfigError({ file, line: startLine }, 'unterminated quoted string')
        const q = text[i]!
        if (q === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
          word += text[i + 1]
          i += 2
        } else if (q === '"') {
          i++
          break
        } else {
          if (q === '\n') line++
          word += q
          i++
        }
      }
      tokens.push({ text: word, file, line: startLine, quoted: true })
    } else {
      let end = i
      while (end < text.length && !' \t\r\n'.includes(text[end]!)) {
        // A `#` inside a word is part of it; only one at a word's start begins a comment.
        end++
      }
      tokens.push({ text: text.slice(i, end), file, line, quoted: false })
      i = end
    }
  }
  return tokens
}
