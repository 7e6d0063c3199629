import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * Resolves `name` with glibc's own stub resolver (`getent ahosts`), as a pod would: in a private
 * mount namespace whose /etc/resolv.conf is `resolvConf` (the machine's own file is untouched).
 * Returns the addresses found, or [] when the name does not resolve.
 */
export async function getentAhosts(name: string, resolvConf: string): Promise<string[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'clusterdns-resolv-')), 'resolv.conf')
  writeFileSync(file, resolvConf)
  const script = 'mount --bind "$1" /etc/resolv.conf && exec getent ahosts "$2"'
  const { stdout } = await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', file, name], { timeout: 20_000 }).catch(
    (err: { code?: number; stdout?: string }) => {
      // getent exits 2 when the name does not resolve.
      if (err.code === 2) return { stdout: '' }
      throw err
    },
  )
  return [...new Set(stdout.split('\n').filter((l) => l.includes('STREAM')).map((l) => l.split(/\s+/)[0]!))].sort()
}

/** A pod's resolv.conf in namespace `ns`: cluster search list, ndots:5. */
export const podResolvConf = (server: string, ns: string): string =>
  `nameserver ${server}\nsearch ${ns}.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 attempts:1 timeout:3\n`
