import dnsPacket from 'dns-packet'
import { describe, expect, it } from 'vitest'
import { rr } from '../../support/cluster.js'
import { kubernetes, serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { buildQuery, udpExchange } from '../../support/raw-client.js'
import { unboundForFile } from '../../support/unbound.js'

const startServer = serverForEach()
const upstream = unboundForFile({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] })

const corefile = (...rules: string[]): string => serverBlock([...rules, kubernetes(), `forward . 127.0.0.1:${upstream().port}`])

describe('rewrite name', () => {
  it('exact, with answer auto: the reply carries the asked name (relayed from forward)', async () => {
    const server = await startServer(corefile('rewrite name exact alias.example.com. api.example.com. answer auto'))
    const reply = await server.ask('alias.example.com', 'A')
    expect(reply.status).toBe('NOERROR')
    expect(reply.answer).toEqual(['alias.example.com. 300 IN A 192.0.2.80'])
  })

  it('without answer auto, the answer keeps the rewritten owner while the question stays as asked', async () => {
    const server = await startServer(corefile('rewrite name alias.example.com api.example.com'))
    const reply = await server.ask('alias.example.com', 'A')
    expect(reply.answer).toEqual(['api.example.com. 300 IN A 192.0.2.80'])
    const raw = dnsPacket.decode((await udpExchange(server.port, buildQuery('Alias.Example.com', 'A', { id: 41 })))!)
    expect(raw.id).toBe(41)
    expect(raw.questions).toEqual([{ name: 'Alias.Example.com', type: 'A', class: 'IN' }])
  })

  it('suffix, prefix, substring and regex rules, into the cluster zone', async () => {
    const server = await startServer(
      corefile(
        'rewrite name suffix .corp.example .svc.cluster.local answer auto',
        'rewrite name prefix legacy- web. answer auto',
        'rewrite name substring .store. .shop. answer auto',
        'rewrite name regex ^([a-z]+)\\.([a-z]+)\\.mesh\\.local\\.$ {1}.{2}.svc.cluster.local answer auto',
      ),
    )
    expect((await server.ask('web.shop.corp.example', 'A')).answer).toEqual([rr('web.shop.corp.example', 'A', '10.96.100.10')])
    expect((await server.ask('legacy-shop.svc.cluster.local', 'A')).answer).toEqual([rr('legacy-shop.svc.cluster.local', 'A', '10.96.100.10')])
    expect((await server.ask('web.store.svc.cluster.local', 'A')).answer).toEqual([rr('web.store.svc.cluster.local', 'A', '10.96.100.10')])
    // Not matched (the dash is not [a-z]): not rewritten, so forward's upstream answers NXDOMAIN.
    expect((await server.ask('db-0.db.mesh.local', 'A')).status).toBe('NXDOMAIN')
    expect((await server.ask('web.shop.mesh.local', 'A')).answer).toEqual([rr('web.shop.mesh.local', 'A', '10.96.100.10')])
  })

  it('stop ends with the first rule that matched; continue lets the next one see the result', async () => {
    const rules = (flow: string): string[] => [`rewrite ${flow} name exact a.example.com b.example.com answer auto`, 'rewrite name exact b.example.com api.example.com answer auto']
    let server = await startServer(corefile(...rules('stop')))
    expect((await server.ask('a.example.com', 'A')).status).toBe('NXDOMAIN')
    await server.stop()
    server = await startServer(corefile(...rules('continue')))
    expect((await server.ask('a.example.com', 'A')).answer).toEqual(['a.example.com. 300 IN A 192.0.2.80'])
  })
})
