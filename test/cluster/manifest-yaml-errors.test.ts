import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readManifestObjects } from '../../src/cluster/manifest-parser.js'
import { ManifestError } from '../../src/errors.js'

function problemIn(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'clusterdns-yaml-')), 'cluster.yaml')
  writeFileSync(file, text)
  try {
    readManifestObjects(file)
  } catch (err) {
    expect(err).toBeInstanceOf(ManifestError)
    return (err as Error).message.slice(file.length + 2)
  }
  throw new Error('no error')
}

const service = (portsLine: string): string =>
  ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', '  namespace: shop', 'spec:', portsLine, '  clusterIP: 10.96.0.5', ''].join('\n')

describe('a manifest file that does not parse names the line of the fault', () => {
  it('an unclosed flow sequence: the line where it opens, not the next one', () => {
    expect(problemIn(service('  ports: [{ port: 80 }'))).toBe('line 7: Flow sequence in block collection must be sufficiently indented and end with a ]')
  })

  it('an unclosed flow mapping inside a sequence', () => {
    expect(problemIn(service('  ports:\n    - { port: 80\n  type: ClusterIP'))).toBe('line 8: Flow map in block collection must be sufficiently indented and end with a }')
  })

  it('an unclosed collection nested in a closed one', () => {
    expect(problemIn(service('  selector: { app: [web }'))).toMatch(/^line 7: /)
  })

  it('a fault the parser finds where it is', () => {
    expect(problemIn('kind: List\nitems:\n  - a: 1\n   b: 2\n')).toMatch(/^line 4: /)
  })
})
