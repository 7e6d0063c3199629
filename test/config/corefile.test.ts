import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCorefile, parseCorefileFile } from '../../src/config/corefile.js'
import { parseServerAddress } from '../../src/config/server-address.js'
import { loadServerPlan } from '../../src/server/server-plan.js'
import { ConfigError, ConfigErrorList } from '../../src/errors.js'

const at = { file: 'Corefile', line: 1 }

/** Writes files into a fresh folder; returns the path of the Corefile among them. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-conf-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return join(dir, 'Corefile')
}

function configError(run: () => unknown): ConfigError {
  try {
    run()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('Corefile grammar', () => {
  it('reads server blocks, directives, arguments, nested blocks, comments and quotes', () => {
    const blocks = parseCorefile(
      `# comment
cluster.local:1053 dns://.:53 {
    kubernetes cluster.local {   # trailing comment
        labels "app in (a, b)"
        ttl 30
    }
    bind 127.0.0.1
}
`,
      'Corefile',
    )
    expect(blocks).toHaveLength(1)
    expect(blocks[0]!.keys).toEqual(['cluster.local:1053', 'dns://.:53'])
    const [k8s, bind] = blocks[0]!.directives
    expect(k8s).toMatchObject({ name: 'kubernetes', args: ['cluster.local'], line: 3 })
    expect(k8s!.block!.map((d) => [d.name, d.args, d.line])).toEqual([
      ['labels', ['app in (a, b)'], 4],
      ['ttl', ['30'], 5],
    ])
    expect(bind).toMatchObject({ name: 'bind', args: ['127.0.0.1'], block: null, line: 7 })
  })

  it('substitutes {$ENV} and {%ENV%}', () => {
    const blocks = parseCorefile('.:{$DNS_PORT} {\n  bind {%ADDR%}\n}\n', 'Corefile', { env: { DNS_PORT: '5353', ADDR: '127.0.0.2' } })
    expect(blocks[0]!.keys).toEqual(['.:5353'])
    expect(blocks[0]!.directives[0]!.args).toEqual(['127.0.0.2'])
  })

  it('imports files by glob and snippets by name, keeping each file and line', () => {
    const path = folder({
      Corefile: '(common) {\n  bind 127.0.0.1\n}\n.:53 {\n  import common\n  import conf.d/*.conf\n}\n',
      'conf.d/a.conf': '\n\nkubernetes cluster.local\n',
    })
    const directives = parseCorefileFile(path)[0]!.directives
    expect(directives.map((d) => [d.name, d.file.endsWith('Corefile') ? 'Corefile' : 'a.conf', d.line])).toEqual([
      ['bind', 'Corefile', 2],
      ['kubernetes', 'a.conf', 3],
    ])
  })

  it('warns when an import glob matches nothing', () => {
    const warnings: string[] = []
    parseCorefileFile(folder({ Corefile: '.:53 {\n  import none/*.conf\n}\n' }), { warn: (w) => warnings.push(w) })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/Corefile:2: import: no files match/)
  })

  it.each([
    ['.:53 {\n  bind "127.0.0.1\n}\n', 2, /unterminated quoted string/],
    ['.:53 {\n  bind 127.0.0.1\n', 1, /missing its closing '}'/],
    ['.:53\n', 1, /expected '\{'/],
    ['}\n', 1, /unexpected '}'/],
    ['.:53 {\n  import missing.conf\n}\n', 2, /file not found/],
    ['', 1, /no server blocks/],
  ])('refuses bad grammar with file and line: %j', (text, line, message) => {
    const err = configError(() => parseCorefileFile(folder({ Corefile: text })))
    expect(err.line).toBe(line)
    expect(err.message).toMatch(message)
    expect(err.message).toMatch(new RegExp(`Corefile:${line}: `))
  })

  it('refuses an import cycle', () => {
    const path = folder({ Corefile: '.:53 {\n  import a.conf\n}\n', 'a.conf': 'import b.conf\n', 'b.conf': 'import a.conf\n' })
    expect(configError(() => parseCorefileFile(path)).message).toMatch(/import cycle/)
  })
})

describe('server addresses', () => {
  it('reads zone, port and scheme', () => {
    expect(parseServerAddress('.:53', at)).toEqual({ zones: [''], port: 53 })
    expect(parseServerAddress('.', at)).toEqual({ zones: [''], port: 53 })
    expect(parseServerAddress('Cluster.Local.:1053', at)).toEqual({ zones: ['cluster.local'], port: 1053 })
    expect(parseServerAddress('dns://.:5300', at)).toEqual({ zones: [''], port: 5300 })
    expect(parseServerAddress('10.96.0.0/12:53', at).zones).toHaveLength(16)
  })

  it.each([
    ['tls://.:853', /only dns:\/\//],
    ['.:99999', /port must be/],
    ['.:', /port must be/],
    ['10.0.0.1:53', /is an address, not a zone/],
    ['10.0.0.0/40', /not a valid CIDR/],
    ['a..b:53', /not a valid zone/],
  ])('refuses %s', (key, message) => {
    expect(() => parseServerAddress(key, at)).toThrow(message)
  })
})

describe('validation of directives', () => {
  const manifest = 'kind: List\nitems: []\n'
  it.each([
    ['.:53 {\n  whoareyou\n}\n', 2, /unknown directive 'whoareyou'/],
    ['.:53 {\n  kubernetes {\n    manifests m.yaml\n    pods maybe\n  }\n}\n', 4, /pods: maybe is not one of/],
    ['.:53 {\n  kubernetes {\n    manifests m.yaml\n    ttl 3601\n  }\n}\n', 4, /ttl must be a whole number from 0 to 3600/],
    ['.:53 {\n  kubernetes {\n    manifests m.yaml\n    resyncperiod 10s\n  }\n}\n', 4, /unknown option resyncperiod/],
    ['.:53 {\n  kubernetes {\n    manifests m.yaml\n    labels a=b=c\n  }\n}\n', 4, /not a valid label value/],
    ['.:53 {\n  kubernetes {\n    manifests m.yaml\n    startup_timeout soon\n  }\n}\n', 4, /not a duration/],
    ['.:53 {\n  kubernetes {\n    manifests m.yaml\n    ignore everything\n  }\n}\n', 4, /ignore empty_service/],
    ['.:53 {\n  kubernetes {\n    endpoint ftp://10.0.0.1\n  }\n}\n', 3, /not an http\(s\) URL/],
    ['.:53 {\n  kubernetes {\n    manifests m.yaml\n    kubeconfig k.yaml ctx\n  }\n}\n', 4, /two sources; use one/],
    ['.:53 {\n  kubernetes {\n    tls a b\n  }\n}\n', 3, /tls CERT KEY CACERT/],
    ['.:53 {\n  kubernetes in-addr.arpa {\n    manifests m.yaml\n  }\n}\n', 2, /not a reverse zone/],
    ['.:53 {\n  kubernetes {\n    manifests m.yaml\n  }\n  kubernetes {\n    manifests m.yaml\n  }\n}\n', 5, /used more than once/],
    ['.:53 {\n  bind 127.0.0.1\n}\n.:53 {\n  bind 127.0.0.1\n}\n', 4, /served by more than one server block/],
    ['.:53 {\n  bind localhost\n}\n', 2, /not a valid IP address or interface name: localhost/],
    ['.:53 {\n  forward . 127.0.0.1 {\n    policy fastest\n  }\n}\n', 3, /policy: fastest is not one of/],
    ['.:53 {\n  forward . 127.0.0.1 {\n    next NOPE\n  }\n}\n', 3, /next: NOPE is not an rcode/],
    ['.:53 {\n  forward . no-such-resolv.conf\n}\n', 2, /neither an address nor a readable resolv.conf/],
    ['.:53 {\n  forward . 127.0.0.1 {\n    force_tcp\n    prefer_udp\n  }\n}\n', 2, /force_tcp and prefer_udp exclude each other/],
    ['.:53 {\n  forward .\n}\n', 2, /forward FROM TO/],
    ['.:53 {\n  rewrite edns0 local set nope abc\n}\n', 2, /edns0 local: nope is not an option code/],
    ['.:53 {\n  rewrite name regex (broken x\n}\n', 2, /name regex: Invalid regular expression/],
    ['.:53 {\n  rewrite name a.example b.example answer sideways\n}\n', 2, /expected `answer auto`/],
    ['.:53 {\n  cache 30 {\n    disable everything\n  }\n}\n', 3, /disable: everything is not success or denial/],
    ['.:53 {\n  hosts {\n    not-an-option\n  }\n}\n', 3, /unknown option not-an-option/],
    ['.:53 {\n  forward . 127.0.0.1 {\n    max_fails many\n  }\n}\n', 3, /max_fails: N must be a whole number, not many/],
    ['.:53 {\n  reload soon\n}\n', 2, /reload: soon is not a duration/],
  ])('%j is refused at line %i', (text, line, message) => {
    const err = configError(() => loadServerPlan(folder({ Corefile: text, 'm.yaml': manifest })))
    expect(err.message).toMatch(message)
    expect(err.line).toBe(line)
  })

  it('collects every directive problem of the file in one error', () => {
    const text = '.:53 {\n  whoareyou\n  bind nowhere\n}\ncluster.local:53 {\n  kubernetes {\n    pods maybe\n  }\n}\n'
    let thrown: unknown
    try {
      loadServerPlan(folder({ Corefile: text }))
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(ConfigErrorList)
    expect((thrown as ConfigErrorList).errors.map((e) => e.line)).toEqual([2, 3, 7])
    expect((thrown as Error).message.split('\n')).toHaveLength(3)
  })

  it('accepts the demo configuration with listeners per address and port', () => {
    const plan = loadServerPlan(folder({ Corefile: '.:1053 cluster.local:1054 {\n  bind 127.0.0.1 ::1\n  kubernetes cluster.local {\n    manifests m.yaml\n  }\n}\n', 'm.yaml': manifest }))
    expect(plan.listeners.map((l) => [l.address, l.port, l.routes.map((r) => r.zone)])).toEqual([
      ['127.0.0.1', 1053, ['']],
      ['::1', 1053, ['']],
      ['127.0.0.1', 1054, ['cluster.local']],
      ['::1', 1054, ['cluster.local']],
    ])
  })
})

describe('directives that may appear once', () => {
  const once: Record<string, string> = {
    errors: 'errors',
    cache: 'cache 30',
    hosts: 'hosts {\n    10.0.0.1 a.example\n  }',
    kubernetes: 'kubernetes cluster.local {\n    manifests m.yaml\n  }',
    loop: 'loop',
    ready: 'ready',
    prometheus: 'prometheus',
    health: 'health',
    reload: 'reload',
    autopath: 'autopath @kubernetes',
  }
  const plan = (body: string): unknown => loadServerPlan(folder({ Corefile: `.:53 {\n  ${body}\n}\n`, 'm.yaml': 'kind: List\nitems: []\n' }))

  it.each(Object.keys(once))('%s twice is refused at the second use, from plugin/%s', (name) => {
    const use = once[name]!
    expect(plan(use)).toBeTruthy()
    const err = configError(() => plan(`${use}\n  ${use}`))
    expect(err.line).toBe(2 + use.split('\n').length)
    expect(err.detail).toBe(`plugin/${name}: ${name} is used more than once in this server block`)
  })

  it.each(['log', 'rewrite name a.example b.example', 'bind 127.0.0.1', 'loadbalance', 'forward . 127.0.0.1'])('%s may appear twice', (use) => {
    expect(plan(`${use}\n  ${use.replace('a.example', 'c.example').replace('127.0.0.1', '127.0.0.2')}`)).toBeTruthy()
  })

  it('says which plugin refused an argument, whatever check refused it', () => {
    expect(configError(() => plan('cache 30 {\n    prefetch many\n  }')).detail).toMatch(/^plugin\/cache: prefetch: /)
    expect(configError(() => plan('health nowhere')).detail).toBe('plugin/health: nowhere is not HOST:PORT')
    expect(configError(() => plan('log {\n    class nothing\n  }')).detail).toMatch(/^plugin\/log: /)
  })
})
