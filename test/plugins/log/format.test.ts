import { describe, expect, it } from 'vitest'
import { block, kubernetes, serverBlock } from '../../support/corefile.js'
import { logLines, serverForEach } from '../../support/dns-server.js'

const startServer = serverForEach()

const corefile = (...logs: string[]): string => serverBlock([...logs, kubernetes()])
const queryLines = (): string[] => logLines.filter((l) => l.startsWith('[INFO] ') && !l.startsWith('[INFO] plugin/'))

describe('log NAMES FORMAT: CoreDNS placeholders', () => {
  it('replaces every placeholder of CoreDNS replacer, keeps unknown ones as written, {/metadata} is -', async () => {
    const format = '{remote}|{port}|{local}|{>id}|{type}|{class}|{name}|{proto}|{size}|{>do}|{>bufsize}|{>opcode}|{rcode}|{>rflags}|{rsize}|{duration}|{/log/type}|{nope}|{ {type} }'
    const server = await startServer(corefile(`log . "${format}"`))
    logLines.length = 0
    const reply = await server.ask('Web.Shop.svc.cluster.local', 'A', { flags: ['+dnssec', '+bufsize=4096'] })
    const id = /id: (\d+)/.exec(reply.raw)![1]
    expect(queryLines()).toHaveLength(1)
    expect(queryLines()[0]).toMatch(
      new RegExp(
        `^\\[INFO\\] 127\\.0\\.0\\.1\\|\\d+\\|127\\.0\\.0\\.1\\|${id}\\|A\\|IN\\|web\\.shop\\.svc\\.cluster\\.local\\.\\|udp\\|\\d+\\|true\\|4096\\|0\\|NOERROR\\|qr,aa,rd\\|\\d+\\|\\d+(\\.\\d+)?s\\|-\\|\\{nope\\}\\|\\{ A \\}$`,
      ),
    )
  })

  it('{common} and {combined} are the Common and Combined Log Formats; over TCP the buffer size is 65535', async () => {
    const server = await startServer(corefile('log shop.svc.cluster.local {combined}', 'log . "{common} +"'))
    logLines.length = 0
    await server.ask('web.shop.svc.cluster.local', 'A', { tcp: true, flags: ['+noedns'] })
    await server.ask('kubernetes.default.svc.cluster.local', 'A', { flags: ['+bufsize=100'] })
    const [combined, common] = queryLines()
    expect(combined).toMatch(/^\[INFO\] 127\.0\.0\.1:\d+ - \d+ "A IN web\.shop\.svc\.cluster\.local\. tcp \d+ false 65535" NOERROR qr,aa,rd \d+ [\d.]+s "0"$/)
    // A buffer size under 512 is counted as 512, as CoreDNS's request.Size() does.
    expect(common).toMatch(/^\[INFO\] 127\.0\.0\.1:\d+ - \d+ "A IN kubernetes\.default\.svc\.cluster\.local\. udp \d+ false 512" NOERROR qr,aa,rd \d+ [\d.]+s \+$/)
    expect(queryLines()).toHaveLength(2)
  })

  it('a lone argument is a name, as in CoreDNS: a format written alone logs nothing and is warned about', async () => {
    const server = await startServer(corefile('log "{remote} {name}"'))
    expect(logLines.filter((l) => l.startsWith('[WARNING] plugin/log: '))).toEqual([
      `[WARNING] plugin/log: ${server.dir}/Corefile:3: "{remote} {name}" is a name here, not a format (CoreDNS reads a lone argument so): no query is under it; for a format write log . "{remote} {name}"`,
    ])
    logLines.length = 0
    await server.ask('web.shop.svc.cluster.local', 'A')
    expect(queryLines()).toEqual([])
  })
})

describe('log classes, as CoreDNS classifies replies', () => {
  it('denial is NXDOMAIN and NODATA (NOERROR with an SOA and no answer); class lines add up', async () => {
    const server = await startServer(corefile(block('log . "{name} {type} {rcode}"', ['class denial', 'class error'])))
    logLines.length = 0
    await server.ask('web.shop.svc.cluster.local', 'A') // success
    await server.ask('web.shop.svc.cluster.local', 'MX') // NODATA
    await server.ask('nope.shop.svc.cluster.local', 'A') // NXDOMAIN
    await server.ask('example.org', 'A') // REFUSED: no plugin answers it
    expect(queryLines()).toEqual([
      '[INFO] web.shop.svc.cluster.local. MX NOERROR',
      '[INFO] nope.shop.svc.cluster.local. A NXDOMAIN',
      '[INFO] example.org. A REFUSED',
    ])
  })

  it('the first rule whose name holds the query decides, as in CoreDNS', async () => {
    const server = await startServer(corefile(block('log shop.svc.cluster.local "shop {name}"', ['class denial']), 'log . "any {name}"'))
    logLines.length = 0
    await server.ask('web.shop.svc.cluster.local', 'A') // the shop rule wants denials only: not logged
    await server.ask('nope.shop.svc.cluster.local', 'A')
    await server.ask('kubernetes.default.svc.cluster.local', 'A')
    expect(queryLines()).toEqual(['[INFO] shop nope.shop.svc.cluster.local.', '[INFO] any kubernetes.default.svc.cluster.local.'])
  })
})
