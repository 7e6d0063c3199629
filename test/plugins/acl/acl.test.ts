import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../support/dns-server.js'

// dig asks from chosen loopback addresses (-b) so one server sees several clients.
let server: RunningServer
beforeAll(async () => {
  server = await startServer(`.:0 {
  bind 127.0.0.1
  acl block.test {
    block type A net 127.0.0.2/32
  }
  acl filter.test {
    filter type A AAAA net 127.0.0.0/8
  }
  acl except.test {
    allow net 127.0.0.3
    block net 127.0.0.0/8
  }
  acl only.test {
    allow net 127.0.0.4/32 127.0.0.5/32
    block
  }
  acl drop.test {
    drop net 127.0.0.6/31 ::1
  }
  acl sub.zone.test {
    block type * net *
  }
  template ANY ANY {
    answer "{{ .Name }} 60 IN TXT \\"ok\\""
  }
}
`)
})
afterAll(() => server.stop())

const asker = (address: string) => ({ flags: ['-b', address] })

describe('acl', () => {
  it('block: REFUSED with the Blocked extended error for the listed type and net only', async () => {
    const blocked = await server.ask('x.block.test', 'A', asker('127.0.0.2'))
    expect(blocked.status).toBe('REFUSED')
    expect(blocked.raw).toMatch(/EDE: 15 \(Blocked\)/)
    expect((await server.ask('x.block.test', 'TXT', asker('127.0.0.2'))).answer).toEqual(['x.block.test. 60 IN TXT "ok"'])
    expect((await server.ask('x.block.test', 'A', asker('127.0.0.7'))).status).toBe('NOERROR')
  })

  it('filter: NOERROR with no records and the Filtered extended error', async () => {
    const filtered = await server.ask('x.filter.test', 'AAAA', asker('127.0.0.2'))
    expect(filtered.status).toBe('NOERROR')
    expect(filtered.answer).toEqual([])
    expect(filtered.raw).toMatch(/EDE: 17 \(Filtered\)/)
    expect((await server.ask('x.filter.test', 'MX', asker('127.0.0.2'))).answer).toHaveLength(1)
  })

  it('allow before block: the first matching policy wins; a bare block matches everyone', async () => {
    expect((await server.ask('except.test', 'A', asker('127.0.0.3'))).status).toBe('NOERROR')
    expect((await server.ask('except.test', 'A', asker('127.0.0.8'))).status).toBe('REFUSED')
    expect((await server.ask('only.test', 'A', asker('127.0.0.5'))).status).toBe('NOERROR')
    expect((await server.ask('only.test', 'A', asker('127.0.0.9'))).status).toBe('REFUSED')
    expect((await server.ask('a.b.sub.zone.test', 'TXT', asker('127.0.0.9'))).status).toBe('REFUSED')
    expect((await server.ask('zone.test', 'TXT', asker('127.0.0.9'))).status).toBe('NOERROR')
  })

  it('drop: no reply at all, over UDP and TCP', async () => {
    expect((await server.ask('drop.test', 'A', { ...asker('127.0.0.7'), timeout: 1 })).status).toBe('NO REPLY')
    expect((await server.ask('drop.test', 'A', { ...asker('127.0.0.6'), tcp: true, timeout: 1 })).status).toBe('NO REPLY')
    expect((await server.ask('drop.test', 'A', asker('127.0.0.8'))).status).toBe('NOERROR')
  })
})

describe('acl setup', () => {
  it('refuses bad lines, every one of them, with file:line', async () => {
    const corefile = '.:0 {\n  bind 127.0.0.1\n  acl {\n    deny net 10.0.0.0/8\n    block type NOPE\n    block net 10.0.0.0/33\n    block type\n    allow host 1.2.3.4\n  }\n}\n'
    const err = await startServer(corefile).then(
      async (s) => {
        await s.stop()
        return null
      },
      (e: Error) => e,
    )
    expect(err?.message.split('\n').map((l) => l.replace(/^.*Corefile:/, ''))).toEqual([
      "4: plugin/acl: unexpected token 'deny'; expect 'allow', 'block', 'filter' or 'drop'",
      "5: plugin/acl: unexpected token 'NOPE'; expect legal QTYPE",
      "6: plugin/acl: illegal CIDR notation '10.0.0.0/33'",
      "7: plugin/acl: no token specified in 'type' section",
      "8: plugin/acl: unexpected token 'host'; expect 'type | net'",
    ])
  })
})
