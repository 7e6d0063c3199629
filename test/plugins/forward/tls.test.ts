import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { metricSum } from '../../support/metrics.js'
import { freePort } from '../../support/ports.js'
import { startUnbound, type RunningUnbound } from '../../support/unbound.js'

// unbound serves DNS over TLS with a self-signed certificate for `dns.test` (no IP address in it).
const dir = mkdtempSync(join(tmpdir(), 'clusterdns-dot-'))
const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
let unbound: RunningUnbound
let tlsPort: number
const startServer = serverForEach()
beforeAll(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=dns.test',
    '-addext', 'subjectAltName=DNS:dns.test', '-keyout', keyFile, '-out', certFile], { stdio: 'ignore' })
  tlsPort = await freePort()
  unbound = await startUnbound({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] }, '127.0.0.1', await freePort(), { tls: { port: tlsPort, certFile, keyFile } })
})
afterAll(() => unbound?.stop())

const corefile = (forward: string): string => serverBlock([forward])

describe('forward to a DNS-over-TLS upstream (unbound on loopback)', () => {
  it('tls://, tls CA, tls_servername: answers over TLS on a reused connection, from UDP and TCP clients', async () => {
    const server = await startServer(corefile(`forward . tls://127.0.0.1:${tlsPort} {\n    tls ${certFile}\n    tls_servername dns.test\n  }`))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    expect((await server.ask('api.example.com', 'A', { tcp: true })).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    expect((await server.ask('nope.example.com', 'A')).status).toBe('NXDOMAIN')
    const labels = { to: `127.0.0.1:${tlsPort}`, proto: 'tcp-tls' }
    expect(await metricSum('coredns_proxy_conn_cache_misses_total', labels)).toBe(1)
    expect(await metricSum('coredns_proxy_conn_cache_hits_total', labels)).toBe(2)
  })

  it('tls CERT KEY CA: presents a client certificate and checks the server against the CA', async () => {
    const server = await startServer(corefile(`forward . tls://127.0.0.1:${tlsPort} {\n    tls ${certFile} ${keyFile} ${certFile}\n    tls_servername dns.test\n  }`))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
  })

  it('tls://IP%NAME:PORT names the server per upstream', async () => {
    const server = await startServer(corefile(`forward . tls://127.0.0.1%dns.test:${tlsPort} {\n    tls ${certFile}\n  }`))
    expect((await server.ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
  })

  it.each([
    ['the certificate does not name the address (no tls_servername)', `tls ${certFile}`],
    ['the name does not match', `tls ${certFile}\n    tls_servername other.test`],
    ['`tls` alone trusts only the system CAs', 'tls\n    tls_servername dns.test'],
  ])('checks the certificate: SERVFAIL when %s', async (_, options) => {
    const server = await startServer(corefile(`forward . tls://127.0.0.1:${tlsPort} {\n    ${options}\n    read_timeout 500ms\n  }`))
    expect((await server.ask('api.example.com', 'A', { timeout: 8 })).status).toBe('SERVFAIL')
  })

  it('refuses a TLS file it cannot read and two server names for one upstream', async () => {
    await expect(startServer(corefile(`forward . tls://127.0.0.1 {\n    tls ${join(dir, 'nope.pem')}\n  }`))).rejects.toThrow(/plugin\/forward: tls: cannot read .*nope\.pem/)
    await expect(startServer(corefile(`forward . tls://127.0.0.1%a.test {\n    tls_servername b.test\n  }`))).rejects.toThrow(/both tls_servername \(b\.test\) and the upstream's own \(a\.test\)/)
    await expect(startServer(corefile('forward . https://127.0.0.1'))).rejects.toThrow(/only dns:\/\/ and tls:\/\/ upstreams are supported/)
  })
})
