import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './support/cli-process.js'

interface PackedFile {
  readonly path: string
}

describe('the npm package', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> }
  // --ignore-scripts: `prepare` would build again; `npm test` has just built dist/.
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' })) as [{ files: PackedFile[] }]
  const paths = packed.files.map((f) => f.path)

  it('holds the launcher, the built server and the docs, and no tests, benches or CI', () => {
    expect(paths.filter((p) => /^(test|bench|\.ci|src\/(?!plugins\/[^/]+\/README\.md$))/.test(p))).toEqual([])
    for (const path of ['bin/clusterdns.cjs', 'dist/main.js', 'package.json', 'README.md', 'Corefile.example', 'examples/demo-cluster.yaml', 'src/plugins/debug/README.md']) {
      expect(paths).toContain(path)
    }
  })

  it("dist/'s JavaScript is ASCII: V8 keeps a source with any character beyond Latin-1 at two bytes a character", () => {
    const scripts = readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js'))
    expect(scripts).toContain('main.js')
    for (const file of scripts) expect(readFileSync(join(ROOT, 'dist', file), 'latin1'), file).toMatch(/^[\x00-\x7f]*$/)
  })

  it('its bin is the launcher, and prepare builds dist/', () => {
    expect(pkg.bin).toEqual({ clusterdns: 'bin/clusterdns.cjs' })
    expect(pkg.scripts.prepare).toMatch(/npm run build$/)
    expect(readFileSync(join(ROOT, 'bin/clusterdns.cjs'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
  })
})
