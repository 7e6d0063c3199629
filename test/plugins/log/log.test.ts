import { describe, expect, it } from 'vitest'
import { block, kubernetes, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach } from '../../support/dns-server.js'

const startServer = serverForEach()

const corefile = (log: string): string => serverBlock([log, kubernetes()])
const queryLines = (): string[] => logLines.filter((l) => l.startsWith('[INFO] 127.0.0.1:'))

describe('log', () => {
  it("writes one line per query in CoreDNS's default format", async () => {
    const server = await startServer(corefile('log'))
    logLines.length = 0
    await server.ask('web.shop.svc.cluster.local', 'A')
    await server.ask('Nope.shop.svc.cluster.local', 'AAAA', { tcp: true, flags: ['+noedns'] })
    const [udp, tcp] = queryLines()
    expect(udp).toMatch(/^\[INFO\] 127\.0\.0\.1:\d+ - \d+ "A IN web\.shop\.svc\.cluster\.local\. udp \d+ false 1232" NOERROR qr,aa,rd \d+ \d+\.\d+s$/)
    expect(tcp).toMatch(/^\[INFO\] 127\.0\.0\.1:\d+ - \d+ "AAAA IN nope\.shop\.svc\.cluster\.local\. tcp \d+ false 65535" NXDOMAIN qr,aa,rd \d+ \d+\.\d+s$/)
    expect(queryLines()).toHaveLength(2)
  })

  it('logs only the classes and names asked for', async () => {
    const server = await startServer(corefile(block('log shop.svc.cluster.local', ['class denial'])))
    logLines.length = 0
    await server.ask('web.shop.svc.cluster.local', 'A')
    await server.ask('nope.shop.svc.cluster.local', 'A')
    await server.ask('nope.default.svc.cluster.local', 'A')
    expect(queryLines()).toHaveLength(1)
    expect(queryLines()[0]).toContain('"A IN nope.shop.svc.cluster.local. udp')
  })

  it('writes nothing per query without log', async () => {
    const server = await startServer(corefile(''))
    logLines.length = 0
    await server.ask('web.shop.svc.cluster.local', 'A')
    expect(queryLines()).toEqual([])
  })
})
