import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'

/**
 * Two network namespaces of our own joined by a veth pair (198.18.0.1 ⟷ 198.18.0.2, the
 * benchmarking range): test hosts on this machine. `server` gets /etc/netns/NAME/resolv.conf, which
 * `ip netns exec` puts at /etc/resolv.conf for what runs there.
 */
export interface TestHosts {
  readonly server: string
  readonly resolver: string
  readonly serverAddress: string
  readonly resolverAddress: string
  /** argv prefix that runs a command in a namespace. */
  exec(ns: string): string[]
  remove(): void
}

const ip = (...args: string[]): void => {
  execFileSync('ip', args, { stdio: 'ignore' })
}

export function createTestHosts(serverResolvConf: (resolverAddress: string) => string): TestHosts {
  const id = randomBytes(3).toString('hex')
  const server = `cdns-s-${id}`
  const resolver = `cdns-r-${id}`
  const [serverAddress, resolverAddress] = ['198.18.0.1', '198.18.0.2']
  ip('netns', 'add', server)
  ip('netns', 'add', resolver)
  ip('link', 'add', `vs${id}`, 'type', 'veth', 'peer', 'name', `vr${id}`)
  ip('link', 'set', `vs${id}`, 'netns', server)
  ip('link', 'set', `vr${id}`, 'netns', resolver)
  for (const [ns, dev, address] of [
    [server, `vs${id}`, serverAddress],
    [resolver, `vr${id}`, resolverAddress],
  ] as const) {
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('-n', ns, 'addr', 'add', `${address}/30`, 'dev', dev)
    ip('-n', ns, 'link', 'set', dev, 'up')
  }
  mkdirSync(`/etc/netns/${server}`, { recursive: true })
  writeFileSync(`/etc/netns/${server}/resolv.conf`, serverResolvConf(resolverAddress))
  return {
    server,
    resolver,
    serverAddress,
    resolverAddress,
    exec: (ns) => ['ip', 'netns', 'exec', ns],
    remove() {
      for (const ns of [server, resolver]) {
        try {
          ip('netns', 'del', ns)
        } catch {
          // already gone
        }
      }
      rmSync(`/etc/netns/${server}`, { recursive: true, force: true })
    },
  }
}
