import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../../src/errors.js'
import { loadServerPlan } from '../../../src/server/server-plan.js'
import { startServer, type RunningServer } from '../../support/dns-server.js'

// Two blocks share one listener (port 0 in both keys): the AAAA-suppression idioms in their own
// zones, CoreDNS's README examples in the root block.
const COREFILE = String.raw`v4only.test:0 {
  bind 127.0.0.1
  template ANY AAAA {
    rcode NOERROR
  }
  hosts {
    192.0.2.1 www.v4only.test
    2001:db8::1 www.v4only.test
  }
}
v4only.example:0 {
  bind 127.0.0.1
  template IN AAAA . {
    rcode NOERROR
  }
  hosts {
    192.0.2.2 www.v4only.example
  }
}
.:0 {
  bind 127.0.0.1
  template IN A example {
    match (^|[.])ip-(?P<a>[0-9]*)-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
    answer "{{ .Name }} 60 IN A {{ .Group.a }}.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
    fallthrough
  }
  template IN A example {
    match "^ip0a(?P<b>[a-f0-9]{2})(?P<c>[a-f0-9]{2})(?P<d>[a-f0-9]{2})[.]example[.]$"
    answer "{{ .Name }} 60 IN A 10.{{ parseInt .Group.b 16 8 }}.{{ parseInt .Group.c 16 8 }}.{{ parseInt .Group.d 16 8 }}"
    fallthrough
  }
  template IN MX example {
    match ^ip-10-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$
    answer "{{ .Name }} 60 IN MX 10 {{ .Name }}"
    additional "{{ .Name }} 60 IN A 10.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}"
    authority  "example. 60 IN NS ns0.example."
    authority  "example. 60 IN NS ns1.example."
    additional "ns0.example. 60 IN A 203.0.113.8"
    fallthrough
  }
  template IN PTR in-addr.arpa {
    match ^(?P<d>[0-9]*)[.](?P<c>[0-9]*)[.](?P<b>[0-9]*)[.](?P<a>[0-9]*)[.]in-addr[.]arpa[.]$
    answer "{{ .Name }} 60 IN PTR ip-{{ .Group.a }}-{{ .Group.b }}-{{ .Group.c }}-{{ .Group.d }}.example."
  }
  template IN ANY example.com.dc1.example.com {
    rcode NXDOMAIN
    authority "{{ .Zone }} 60 IN SOA ns.example.com hostmaster.example.com (1 60 60 60 60)"
  }
  template IN ANY example.net {
    match "example\.net\.(dc1\.example\.net\.)$"
    rcode NXDOMAIN
    authority "{{ index .Match 1 }} 60 IN SOA ns.{{ index .Match 1 }} hostmaster.{{ index .Match 1 }} (1 60 60 60 60)"
    fallthrough
  }
  template ANY ANY invalid {
    rcode NXDOMAIN
    authority "invalid. 60 {{ .Class }} SOA ns.invalid. hostmaster.invalid. (1 60 60 60 60)"
    ederror 21 "Blocked according to RFC2606"
  }
  template ANY TXT info.test {
    answer "{{ .Name }} 30 {{ .Class }} TXT \"zone={{ .Zone }}\" \"type={{ .Type }}\" \"remote={{ .Remote }}\" \"q={{ .Question.Name }}\" \"rd={{ .Message.RecursionDesired }}\" \"first={{ index .Group \"first\" }}\""
    match ^(?P<first>[a-z]+)[.]
  }
  template IN SRV srv.test {
    answer "_http._tcp.srv.test. 45 IN SRV 0 10 8080 web.srv.test."
  }
  template IN A loop.test {
    answer "{{ .Name }} 60 IN CNAME again.loop.test."
  }
  template IN A alias.test {
    answer "{{ .Name }} 60 IN CNAME ip-10-9-8-7.example."
  }
  template IN A strict.test {
    match ^only[.]strict[.]test[.]$
    answer "{{ .Name }} 60 IN A 192.0.2.9"
  }
  template IN A broken.test {
    answer "{{ .Name }} 60 IN A {{ index .Match 3 }}"
  }
}
`

let server: RunningServer
beforeAll(async () => {
  server = await startServer(COREFILE)
})
afterAll(() => server.stop())

describe('template', () => {
  it('suppresses AAAA with NOERROR and no records (template ANY AAAA / template IN AAAA .), A still answered', async () => {
    for (const zone of ['v4only.test', 'v4only.example']) {
      const aaaa = await server.ask(`www.${zone}`, 'AAAA')
      expect(aaaa.status).toBe('NOERROR')
      expect(aaaa.flags).toContain('aa')
      expect(aaaa.answer).toEqual([])
      expect((await server.ask(`www.${zone}`, 'A')).answer).toHaveLength(1)
    }
  })

  it('answers from named groups, parseInt and the PTR example; other names fall through', async () => {
    expect((await server.ask('ip-192-0-2-44.example', 'A')).answer).toEqual(['ip-192-0-2-44.example. 60 IN A 192.0.2.44'])
    expect((await server.ask('host.ip-10-1-2-3.example', 'A')).answer).toEqual(['host.ip-10-1-2-3.example. 60 IN A 10.1.2.3'])
    expect((await server.ask('ip0a7b7c7d.example', 'A')).answer).toEqual(['ip0a7b7c7d.example. 60 IN A 10.123.124.125'])
    expect((await server.ask('44.2.0.192.in-addr.arpa', 'PTR')).answer).toEqual(['44.2.0.192.in-addr.arpa. 60 IN PTR ip-192-0-2-44.example.'])
    // Every template of `example` falls through: the chain's end refuses it.
    expect((await server.ask('other.example', 'A')).status).toBe('REFUSED')
  })

  it('fills the answer, authority and additional sections (MX example)', async () => {
    const mx = await server.ask('ip-10-1-2-3.example', 'MX')
    expect(mx.status).toBe('NOERROR')
    expect(mx.answer).toEqual(['ip-10-1-2-3.example. 60 IN MX 10 ip-10-1-2-3.example.'])
    expect(mx.authority).toEqual(['example. 60 IN NS ns0.example.', 'example. 60 IN NS ns1.example.'])
    expect(mx.additional).toEqual(['ip-10-1-2-3.example. 60 IN A 10.1.2.3', 'ns0.example. 60 IN A 203.0.113.8'])
  })

  it('answers NXDOMAIN with a SOA from .Zone or index .Match, and an extended error with ederror', async () => {
    const zone = await server.ask('something.example.com.dc1.example.com', 'A')
    expect(zone.status).toBe('NXDOMAIN')
    expect(zone.authority).toEqual(['example.com.dc1.example.com. 60 IN SOA ns.example.com. hostmaster.example.com. <serial> 60 60 60 60'])
    const match = await server.ask('x.example.net.dc1.example.net', 'TXT')
    expect(match.status).toBe('NXDOMAIN')
    expect(match.authority).toEqual(['dc1.example.net. 60 IN SOA ns.dc1.example.net. hostmaster.dc1.example.net. <serial> 60 60 60 60'])
    const invalid = await server.ask('foo.invalid', 'A')
    expect(invalid.status).toBe('NXDOMAIN')
    expect(invalid.authority).toEqual(['invalid. 60 IN SOA ns.invalid. hostmaster.invalid. <serial> 60 60 60 60'])
    expect(invalid.raw).toMatch(/EDE: 21 .*Blocked according to RFC2606/)
    // Class ANY in the template: a CH question is answered too, in CH.
    const ch = await server.ask('foo.invalid', 'A', { flags: ['-c', 'CH'] })
    expect(ch.status).toBe('NXDOMAIN')
    expect(ch.authority).toEqual(['invalid. 60 CH SOA ns.invalid. hostmaster.invalid. <serial> 60 60 60 60'])
  })

  it('gives templates .Zone .Type .Class .Remote .Question .Message and groups by index', async () => {
    const txt = await server.ask('Hello.Info.Test', 'TXT')
    expect(txt.answer).toEqual([
      'hello.info.test. 30 IN TXT "zone=info.test." "type=TXT" "remote=127.0.0.1" "q=Hello.Info.Test." "rd=true" "first=hello"',
    ])
    const ch = await server.ask('hi.info.test', 'TXT', { flags: ['-c', 'CH', '+nordflag'] })
    expect(ch.answer).toEqual(['hi.info.test. 30 CH TXT "zone=info.test." "type=TXT" "remote=127.0.0.1" "q=hi.info.test." "rd=false" "first=hi"'])
  })

  it('answers SRV, follows a CNAME answer through the chain, and fails without a match or on a bad template', async () => {
    expect((await server.ask('srv.test', 'SRV')).answer).toEqual(['_http._tcp.srv.test. 45 IN SRV 0 10 8080 web.srv.test.'])
    expect((await server.ask('www.alias.test', 'A')).answer).toEqual(['ip-10-9-8-7.example. 60 IN A 10.9.8.7', 'www.alias.test. 60 IN CNAME ip-10-9-8-7.example.'])
    // A target in the template's own zones is not followed (it would come back to it).
    expect((await server.ask('www.loop.test', 'A')).answer).toEqual(['www.loop.test. 60 IN CNAME again.loop.test.'])
    expect((await server.ask('only.strict.test', 'A')).answer).toEqual(['only.strict.test. 60 IN A 192.0.2.9'])
    // No regex matched and no fallthrough: SERVFAIL, as in CoreDNS.
    expect((await server.ask('other.strict.test', 'A')).status).toBe('SERVFAIL')
    // A type the template does not answer passes on.
    expect((await server.ask('other.strict.test', 'TXT')).status).toBe('REFUSED')
    expect((await server.ask('x.broken.test', 'A')).status).toBe('SERVFAIL')
  })
})

describe('template setup', () => {
  function refusal(body: string): ConfigError {
    const dir = mkdtempSync(join(tmpdir(), 'clusterdns-template-'))
    writeFileSync(join(dir, 'Corefile'), `.:53 {\n  template IN A example {\n${body}\n  }\n}\n`)
    try {
      loadServerPlan(join(dir, 'Corefile'))
    } catch (err) {
      if (err instanceof ConfigError) return err
      throw err
    }
    throw new Error('expected a ConfigError')
  }

  it.each([
    ['    answer "{{ if .Name }}x{{ end }} 60 IN A 1.2.3.4"', /plugin\/template: could not compile template: \{\{ if \.Name \}\} is not supported/],
    ['    answer "{{ .Name | printf }} 60 IN A 1.2.3.4"', /is not supported/],
    ['    answer "{{ .Nope }} 60 IN A 1.2.3.4"', /\{\{ \.Nope \}\} is not supported/],
    ['    answer "{{ $x }} 60 IN A 1.2.3.4"', /is not supported/],
    ['    answer "{{ .Name 60 IN A 1.2.3.4"', /unclosed action/],
    ['    match "(unclosed"', /could not parse regex: \(unclosed/],
    ['    rcode NOSUCH', /unknown rcode NOSUCH/],
    ["    var ip replace(group('ip'), '-', '.')", /var \(expr-language expressions\) is not supported by clusterdns/],
    ['    bogus 1', /unknown option bogus/],
  ])('refuses %s with file:line', (body, message) => {
    const err = refusal(body)
    expect(err.line).toBe(3)
    expect(err.detail).toMatch(message)
  })
})
