/** Words of PromQL that are not series names: keywords and aggregation modifiers. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan'])

/**
 * The metric names a PromQL expression reads: identifiers that are neither functions (followed by
 * `(`), keywords, label names (inside `{…}`, `by (…)`, `on (…)`…) nor parts of strings, numbers
 * or durations.
 */
export function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names = [...bare.matchAll(/(?<![\w.$])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!)
  return [...new Set(names.filter((n) => !KEYWORDS.has(n.toLowerCase())))]
}
