import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startedForAll } from './lifetimes.js'
import { freePort } from './ports.js'
import { buildQuery, udpExchange } from './raw-client.js'

export interface RunningUnbound {
  readonly address: string
  readonly port: number
  /** The questions it was asked, `name. TYPE` (only when started with `logQueries`). */
  queries(): string[]
  stop(): Promise<void>
}

export interface UnboundZone {
  /** The zone's name with its trailing dot (`example.com.`). */
  readonly zone: string
  /** Zone-file lines (`api.example.com. 300 IN A 192.0.2.80`). */
  readonly records: readonly string[]
}

/** DNS over TLS (RFC 7858) on a second port, with this certificate and key (PEM files). */
export interface UnboundTls {
  readonly port: number
  readonly certFile: string
  readonly keyFile: string
}

/**
 * Starts unbound (Debian's package, installed by .ci/run) on a loopback address, serving `zone`
 * with an SOA and `records`. `local-zone: "." static` answers every other name itself (NXDOMAIN):
 * it never recurses, so no query ever leaves the machine. In `netns` when given; `logQueries` makes
 * it log each question it is asked (off by default: benches ask it many); `tls` adds DNS over TLS;
 * `extra` lines go into `server:` (`nsid: …`).
 */
export async function startUnbound(
  { zone, records }: UnboundZone,
  address: string,
  port: number,
  { netns, logQueries = false, tls, extra, root }: { netns?: string; logQueries?: boolean; tls?: UnboundTls; extra?: readonly string[]; root?: UnboundRoot } = {},
): Promise<RunningUnbound> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-unbound-'))
  const config = unboundConfig({ zone, records }, address, port, dir, { logQueries, tls, extra, root })
  const path = join(dir, 'unbound.conf')
  writeFileSync(path, config)
  const argv = [...(netns ? ['ip', 'netns', 'exec', netns] : []), 'unbound', '-d', '-c', path]
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // Ready once it answers (or, in a namespace this process cannot reach, once it says so).
  const ready = async (): Promise<boolean> =>
    netns ? stderr.includes('start of service') || (await new Promise((r) => setTimeout(() => r(false), 200))) : (await udpExchange(port, buildQuery(zone, 'SOA'), 200, address)) !== null
  for (let i = 0; ; i++) {
    if (await ready()) break
    if (i === 50 || child.exitCode !== null) {
      child.kill()
      throw new Error(`unbound did not start on ${address}:${port}: ${stderr}`)
    }
  }
  return {
    address,
    port,
    queries: () => [...stderr.matchAll(/ info: \S+ (\S+) (\S+) IN$/gm)].map((m) => `${m[1]} ${m[2]}`),
    stop: async () => {
      child.kill()
      await exited
    },
  }
}

/**
 * unbound serving `zone` on a free loopback port for the tests of the calling file: started before
 * them, stopped after. Returns a getter (the server exists only once the tests run).
 */
export const unboundForFile = (zone: UnboundZone, extra?: readonly string[]): (() => RunningUnbound) =>
  startedForAll(async () => startUnbound(zone, '127.0.0.1', await freePort(), { extra }), (unbound) => unbound.stop())

/**
 * How unbound treats names outside its zone: `static` answers them itself (NXDOMAIN); `deny` drops
 * them unanswered, health probes (`. IN NS`) included, as a resolver whose health checks fail.
 */
export type UnboundRoot = 'static' | 'deny'

/**
 * unbound's configuration for `startUnbound` (and the DNS benchmark): `zone` and its records, every
 * other name answered by unbound itself, `extra` lines added to `server:`.
 */
export function unboundConfig(
  { zone, records }: UnboundZone,
  address: string,
  port: number,
  dir: string,
  { logQueries = false, tls, extra = [], root = 'static' }: { logQueries?: boolean; tls?: UnboundTls; extra?: readonly string[]; root?: UnboundRoot } = {},
): string {
  const tlsConfig = tls ? `\n  interface: ${address}@${tls.port}\n  tls-port: ${tls.port}\n  tls-service-key: "${tls.keyFile}"\n  tls-service-pem: "${tls.certFile}"` : ''
  return `server:
  interface: ${address}@${port}${tlsConfig}
  port: ${port}
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${dir}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  verbosity: 0
  log-queries: ${logQueries ? 'yes' : 'no'}
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  access-control: 198.18.0.0/15 allow
  module-config: "iterator"
  local-zone: "." ${root}
  local-zone: "${zone}" static
  local-data: "${zone} 300 IN SOA ns.${zone} admin.${zone} 1 3600 600 86400 60"
${[...records.map((r) => `local-data: '${r}'`), ...extra].map((line) => `  ${line}\n`).join('')}`
}
