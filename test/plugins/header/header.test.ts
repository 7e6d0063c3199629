import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../support/dns-server.js'

// One block per header configuration, all on one listener; the answers come from a template in
// each block, or from an upstream clusterdns (relayed) for `relay.test`.
const answer = '  template IN A {\n    answer "{{ .Name }} 60 IN A 192.0.2.1"\n  }'
let upstream: RunningServer
let server: RunningServer
beforeAll(async () => {
  upstream = await startServer(`.:0 {\n  bind 127.0.0.1\n${answer}\n}\n`)
  server = await startServer(`ra.test:0 {
  bind 127.0.0.1
  header {
    response set ra
  }
${answer}
}
several.test:0 {
  bind 127.0.0.1
  header {
    response set ra aa
    response clear rd
  }
${answer}
}
query.test:0 {
  bind 127.0.0.1
  header {
    query set rd
  }
${answer}
}
relay.test:0 {
  bind 127.0.0.1
  header {
    query clear rd
    response clear aa
    response set ad
  }
  forward . 127.0.0.1:${upstream.port}
}
plain.test:0 {
  bind 127.0.0.1
${answer}
}
`)
})
afterAll(async () => {
  await server.stop()
  await upstream.stop()
})

describe('header', () => {
  it('sets and clears reply flags (response set ra / set ra aa, clear rd)', async () => {
    expect((await server.ask('plain.test', 'A')).flags).toEqual(['aa', 'qr', 'rd'])
    expect((await server.ask('ra.test', 'A')).flags).toEqual(['aa', 'qr', 'ra', 'rd'])
    const several = await server.ask('several.test', 'A')
    expect(several.flags).toEqual(['aa', 'qr', 'ra'])
    expect(several.answer).toEqual(['several.test. 60 IN A 192.0.2.1'])
  })

  it('query set rd: the chain (and so the reply) sees RD even when the client did not set it', async () => {
    expect((await server.ask('query.test', 'A', { flags: ['+nordflag'] })).flags).toEqual(['aa', 'qr', 'rd'])
    expect((await server.ask('plain.test', 'A', { flags: ['+nordflag'] })).flags).toEqual(['aa', 'qr'])
  })

  it('applies to relayed answers: the upstream sees no RD, the reply loses aa and gains ad', async () => {
    const relayed = await server.ask('relay.test', 'A')
    expect(relayed.answer).toEqual(['relay.test. 60 IN A 192.0.2.1'])
    expect(relayed.flags).toEqual(['ad', 'qr'])
  })
})

describe('header setup', () => {
  it.each([
    ['header', /header needs at least one rule/],
    ['header {\n    answer set ra\n  }', /invalid selector=answer should be query or response/],
    ['header {\n    response toggle ra\n  }', /unknown flag action=toggle, should be set or clear/],
    ['header {\n    response set tc\n  }', /unknown\/unsupported flag=tc/],
  ])('refuses %s', async (use, message) => {
    await expect(startServer(`.:0 {\n  bind 127.0.0.1\n  ${use}\n}\n`)).rejects.toThrow(message)
  })
})
