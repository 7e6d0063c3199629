import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RunningServer } from '../../support/dns-server.js'
import { freePort } from '../../support/ports.js'
import { startUnbound, type RunningUnbound } from '../../support/unbound.js'

// unbound serves DNS over TLS with a self-signed certificate for `dns.test` (no IP address in it).
const dir = mkdtempSync(join(tmpdir(), 'clusterdns-dot-'))
const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
let unbound: RunningUnbound
let tlsPort: number
let server: RunningServer | undefined
beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=dns.test',
    '-addext', 'subjectAltName=DNS:dns.test', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' })
  tlsPort = await freePort()
  unbound = await startUnbound({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] }, '127.0.0.1', await freePort(), { tls: { port: tlsPort, certFile, keyFile } })
})
afterAll(() => unbound?.stop())
afterEach(async () => {
  await server?.stop()
  server = undefined
})

const corefile = (forward: string): string => `.:0 {\n  bind 127.0.0.1\n  prometheus 127.0.0.1:0\n  ${forward}\n}\n`

/** The value of `name`'s sample whose labels include `labels`. */
async function metric(name: string, labels: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${server!.runtime.http.port('127.0.0.1:0')}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('forward to a DNS-over-TLS upstream (unbound on loopback)', () => {
  it('tls://, tls CA, tls_servername: answers over TLS on a reused connection, from UDP and TCP clients', async () => {
    server = await startServer(corefile(`forward . tls://127.0.0.1:${tlsPort} {\n    tls ${certFile}\n    tls_servername dns.test\n  }`))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    expect((await server.ask('api.example.com', 'A', { tcp: true })).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    expect((await server.ask('nope.example.com', 'A')).status).toBe('NXDOMAIN')
    const labels = `to="127.0.0.1:${tlsPort}",proto="tcp-tls"`
    expect(await metric('coredns_proxy_conn_cache_misses_total', labels)).toBe(1)
    expect(await metric('coredns_proxy_conn_cache_hits_total', labels)).toBe(2)
  })

  it('tls://IP%NAME:PORT names the server per upstream', async () => {
    server = await startServer(corefile(`forward . tls://127.0.0.1%dns.test:${tlsPort} {\n    tls ${certFile}\n  }`))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
  })

  it.each([
    ['the certificate does not name the address (no tls_servername)', `tls ${certFile}`],
    ['the name does not match', `tls ${certFile}\n    tls_servername other.test`],
    ['`tls` alone trusts only the system CAs', 'tls\n    tls_servername dns.test'],
  ])('checks the certificate: SERVFAIL when %s', async (_, options) => {
    server = await startServer(corefile(`forward . tls://127.0.0.1:${tlsPort} {\n    ${options}\n    read_timeout 500ms\n  }`))
    expect((await server.ask('api.example.com', 'A', { timeout: 8 })).status).toBe('SERVFAIL')
  })

  it('refuses a TLS file it cannot read and two server names for one upstream', async () => {
    await expect(startServer(corefile(`forward . tls://127.0.0.1 {\n    tls ${join(dir, 'nope.pem')}\n  }`))).rejects.toThrow(/plugin\/forward: tls: cannot read .*nope\.pem/)
    await expect(startServer(corefile(`forward . tls://127.0.0.1%a.test {\n    tls_servername b.test\n  }`))).rejects.toThrow(/both tls_servername \(b\.test\) and the upstream's own \(a\.test\)/)
    await expect(startServer(corefile('forward . https://127.0.0.1'))).rejects.toThrow(/only dns:\/\/ and tls:\/\/ upstreams are supported/)
  })
})
