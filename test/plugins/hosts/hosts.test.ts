import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { reverseName } from '../../../src/dns/reverse.js'
import { expectReply, rr } from '../../support/cluster.js'
import { block, kubernetes, serverBlock } from '../../support/corefile.js'
import { serverForEach } from '../../support/dns-server.js'
import { until } from '../../support/until.js'

const startServer = serverForEach()

const corefile = (hosts: string): string => serverBlock([hosts, kubernetes()])
const HOSTS_FILE = '# a hosts file\n192.0.2.10 db.internal db\n2001:db8::10 db.internal\n192.0.2.11 cache.internal # trailing comment\n'

describe('hosts', () => {
  it('answers A, AAAA and PTR from a file and inline entries, NODATA for a missing type', async () => {
    const server = await startServer(corefile(block('hosts hosts.txt', ['198.51.100.7 inline.example', 'ttl 60', 'fallthrough'])), { 'hosts.txt': HOSTS_FILE })
    expectReply(await server.ask('db.internal', 'A'), { status: 'NOERROR', answer: ['db.internal. 60 IN A 192.0.2.10'] })
    expectReply(await server.ask('DB.Internal', 'AAAA'), { status: 'NOERROR', answer: ['DB.Internal. 60 IN AAAA 2001:db8::10'] })
    expectReply(await server.ask('inline.example', 'A'), { status: 'NOERROR', answer: ['inline.example. 60 IN A 198.51.100.7'] })
    expectReply(await server.ask(reverseName('192.0.2.10'), 'PTR'), {
      status: 'NOERROR',
      answer: [rr(reverseName('192.0.2.10'), 'PTR', 'db.internal.', 60), rr(reverseName('192.0.2.10'), 'PTR', 'db.', 60)],
    })
    expectReply(await server.ask('cache.internal', 'AAAA'), { status: 'NOERROR' })
    // fallthrough: what hosts lacks goes on to kubernetes.
    expectReply(await server.ask('web.shop.svc.cluster.local', 'A'), { status: 'NOERROR', answer: [rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')] })
  })

  it('without fallthrough, a name it lacks is NXDOMAIN; no_reverse leaves PTR alone; the file is re-read', { timeout: 15_000 }, async () => {
    const server = await startServer(corefile(block('hosts hosts.txt internal', ['no_reverse', 'reload 200ms'])), { 'hosts.txt': HOSTS_FILE })
    expect((await server.ask('nope.internal', 'A')).status).toBe('NXDOMAIN')
    // Outside its zones: not its business.
    expect((await server.ask('web.shop.svc.cluster.local', 'A')).answer).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10')])
    expect((await server.ask(reverseName('192.0.2.10'), 'PTR')).status).toBe('REFUSED')
    writeFileSync(join(server.dir, 'hosts.txt'), `${HOSTS_FILE}192.0.2.12 new.internal\n`)
    const added = await until(() => server.ask('new.internal', 'A'), (r) => r.status === 'NOERROR')
    expect(added.answer).toEqual(['new.internal. 3600 IN A 192.0.2.12'])
  })
})
