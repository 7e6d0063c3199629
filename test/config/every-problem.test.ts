import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, ConfigErrorList } from '../../src/errors.js'
import { loadServerPlan } from '../../src/server/server-plan.js'

/** Every problem `-validate` reports for this Corefile, as `line: detail`. */
function problems(corefile: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-problems-'))
  writeFileSync(join(dir, 'Corefile'), corefile)
  writeFileSync(join(dir, 'm.yaml'), 'kind: List\nitems: []\n')
  try {
    loadServerPlan(join(dir, 'Corefile'))
  } catch (err) {
    if (err instanceof ConfigErrorList) return err.errors.map((e) => `${e.line}: ${e.detail}`)
    if (err instanceof ConfigError) return [`${err.line}: ${err.detail}`]
    throw err
  }
  return []
}

describe('directives clusterdns does not have', () => {
  it('names a CoreDNS plugin it does not support, and suggests the directive a typo meant', () => {
    expect(problems('.:53 {\n  dnstap /tmp/dnstap.sock full\n  forwrad . 127.0.0.1\n  kuberentes\n  cahce 30\n  etcd\n  nonsense\n}\n')).toEqual([
      '2: plugin/dnstap: dnstap is a CoreDNS plugin clusterdns does not support',
      "3: unknown directive 'forwrad'; did you mean 'forward'?",
      "4: unknown directive 'kuberentes'; did you mean 'kubernetes'?",
      "5: unknown directive 'cahce'; did you mean 'cache'?",
      '6: plugin/etcd: etcd is a CoreDNS plugin clusterdns does not support',
      "7: unknown directive 'nonsense'",
    ])
  })
})

describe('-validate names every bad option of a directive', () => {
  it.each([
    ['kubernetes', 'kubernetes cluster.local {\n    manifests m.yaml\n    pods maybe\n    ttl 99999\n    tll 30\n  }', [4, 5, 6]],
    ['forward', 'forward . 127.0.0.1 {\n    max_fails x\n    policy fastest\n    expire soon\n  }', [3, 4, 5]],
    ['cache', 'cache 30 {\n    success many\n    prefetch 1 soon\n    keepttl now\n  }', [3, 4, 5]],
    ['hosts', 'hosts {\n    ttl -1\n    reload never\n    nosuch\n  }', [3, 4, 5]],
    ['template', 'template IN A example {\n    rcode NOPE\n    answer "{{ if 1 }}"\n    match "("\n  }', [3, 4, 5]],
  ])('%s', (name, use, lines) => {
    const found = problems(`.:53 {\n  ${use}\n}\n`)
    expect(found.map((p) => Number(p.split(':')[0]))).toEqual(lines)
    for (const p of found) expect(p).toContain(`plugin/${name}: `)
  })

  it('and of every use of a directive that may appear several times', () => {
    const found = problems('.:53 {\n  template IN A a.example {\n    rcode NOPE\n  }\n  template IN BOGUS b.example\n  template IN A c.example {\n    match "("\n  }\n}\n')
    expect(found).toEqual([
      '3: plugin/template: unknown rcode NOPE',
      '5: plugin/template: invalid query type BOGUS',
      expect.stringMatching(/^7: plugin\/template: could not parse regex: \(/),
    ])
  })

  it('and every directive of every block, with the unknown ones', () => {
    const found = problems('.:53 {\n  cache {\n    success x\n    denial y\n  }\n  forwrad . 1.2.3.4\n}\nexample.org:53 {\n  hosts {\n    ttl x\n    reload y\n  }\n}\n')
    expect(found.map((p) => p.split(':')[0])).toEqual(['6', '3', '4', '10', '11'])
  })
})
