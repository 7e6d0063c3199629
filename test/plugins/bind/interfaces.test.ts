import { networkInterfaces } from 'node:os'
import { describe, expect, it } from 'vitest'
import { kubernetes } from '../../support/corefile.js'
import { dig } from '../../support/dig.js'
import { serverForEach } from '../../support/dns-server.js'

const startServer = serverForEach()

/** The loopback interface's addresses as this machine has them (::1 may be absent in a container). */
const loopback = (): string[] => (networkInterfaces().lo ?? []).map((a) => a.address).sort()

const corefile = (bind: string): string => `.:0 {\n  ${bind}\n  ${kubernetes()}\n}\n`

describe('bind by interface name, as CoreDNS', () => {
  it('bind lo listens on every address of lo, and each answers', async () => {
    const server = await startServer(corefile('bind lo'))
    const bound = server.runtime.dns.addresses
    expect(bound.map((b) => b.address).sort()).toEqual(loopback())
    for (const { address, port } of bound) {
      expect((await dig('kubernetes.default.svc.cluster.local', 'A', { port, server: address })).status, address).toBe('NOERROR')
    }
  })

  it('except leaves out an address of the interface', async () => {
    const server = await startServer(corefile('bind lo {\n    except ::1\n  }'))
    expect(server.runtime.dns.addresses.map((b) => b.address).sort()).toEqual(loopback().filter((a) => a !== '::1'))
    const port = server.runtime.dns.addresses.find((b) => b.address === '127.0.0.1')!.port
    expect((await dig('kubernetes.default.svc.cluster.local', 'A', { port, server: '127.0.0.1' })).status).toBe('NOERROR')
  })

  it('except takes an interface name too, and an address list adds up with it', async () => {
    const server = await startServer(corefile('bind 127.0.0.1 lo {\n    except lo\n  }\n  bind 127.0.0.1'))
    expect(server.runtime.dns.addresses.map((b) => b.address)).toEqual(['127.0.0.1'])
  })
})
