import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dig } from '../../test/support/dig.js'
import { freePort } from '../../test/support/ports.js'
import { buildQuery, udpExchange } from '../../test/support/raw-client.js'
import { unboundConfig } from '../../test/support/unbound.js'
import { IMAGE_ENV, IMAGE_NODE_FLAGS } from '../image-settings.js'
import { start, stop, type Started } from './processes.js'

/** The core the server under test has to itself; dnsperf, unbound and the bench run on the other. */
export const SERVER_CORE = 0
export const CLIENT_CORE = 1

/** Names unbound serves as the "outside": cached ones, and a wildcard for never-seen names. */
export const OUTSIDE_NAMES = Array.from({ length: 100 }, (_, i) => `host${i}.example.com`)
export const WILDCARD_ZONE = 'wild.example'

export interface Server {
  readonly name: string
  readonly port: number
  readonly process: Started
  stop(): Promise<void>
}

/** Waits until `port` answers `name` (NOERROR with an answer), or throws with the process's output. */
async function answering(process: Started, port: number, name: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const reply = await udpExchange(port, buildQuery(name, 'A'), 200)
    // NOERROR (low 4 bits of byte 3) with at least one answer.
    if (reply && (reply[3]! & 0x0f) === 0 && reply.readUInt16BE(6) > 0) return
    if (process.child.exitCode !== null) break
  }
  await stop(process)
  throw new Error(`${process.name} did not answer ${name} on 127.0.0.1:${port}:\n${process.output()}`)
}

async function serve(name: string, argv: (port: number) => string[], core: number, probe: string): Promise<Server> {
  const port = await freePort()
  const process = start(name, argv(port), core)
  await answering(process, port, probe)
  return { name, port, process, stop: () => stop(process) }
}

/** unbound as the outside world: local data only (`local-zone: "." static`), it never recurses. */
export function startUnbound(dir: string): Promise<Server> {
  const zone = { zone: 'example.com.', records: OUTSIDE_NAMES.map((n, i) => `${n}. 300 IN A 192.0.2.${i % 250}`) }
  // Any name under the wildcard zone gets one answer: never-seen names that unbound still answers.
  const extra = [`local-zone: "${WILDCARD_ZONE}." redirect`, `local-data: "${WILDCARD_ZONE}. 300 IN A 192.0.2.250"`]
  return serve('unbound', (port) => {
    const path = join(dir, 'unbound.conf')
    writeFileSync(path, unboundConfig(zone, '127.0.0.1', port, dir, { extra }))
    return ['unbound', '-d', '-c', path]
  }, CLIENT_CORE, OUTSIDE_NAMES[0]!)
}

/** The floor: bench/floor-responder.mjs on Node, the same Node clusterdns runs on. */
export function startFloor(root: string): Promise<Server> {
  return serve('node floor', (port) => [process.execPath, join(root, 'bench', 'floor-responder.mjs'), String(port)], SERVER_CORE, 'probe.example')
}

/** kubeadm's Corefile (manifests/configmap.yaml) on the demo cluster, forwarding to `upstream`. */
function kubeadmCorefile(port: number, http: { health: number; ready: number; metrics: number }, cluster: string, upstream: number): string {
  return `.:${port} {
    bind 127.0.0.1
    errors
    health 127.0.0.1:${http.health} {
       lameduck 5s
    }
    ready 127.0.0.1:${http.ready}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       manifests ${cluster}
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus 127.0.0.1:${http.metrics}
    forward . 127.0.0.1:${upstream} {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`
}

/** clusterdns built in `checkout` (its dist/), with kubeadm's plugins, started as this checkout's image starts it. */
export async function startClusterDns(name: string, checkout: string, dir: string, cluster: string, upstream: Server): Promise<Server & { readonly metricsPort: number }> {
  const http = { health: await freePort(), ready: await freePort(), metrics: await freePort() }
  const folder = join(dir, name.replace(/\W+/g, '-'))
  mkdirSync(folder, { recursive: true })
  const server = await serve(name, (port) => {
    const corefile = join(folder, 'Corefile')
    writeFileSync(corefile, kubeadmCorefile(port, http, cluster, upstream.port))
    // As the image starts it: its environment (through env, which execs node in its place) and Node flags.
    return ['env', ...Object.entries(IMAGE_ENV).map(([k, v]) => `${k}=${v}`), process.execPath, ...IMAGE_NODE_FLAGS, join(checkout, 'dist', 'main.js'), '-conf', corefile]
  }, SERVER_CORE, 'web.shop.svc.cluster.local')
  return { ...server, metricsPort: http.metrics }
}

/**
 * NSD serving, as authoritative zones, exactly the records clusterdns answers for `questions`
 * (asked of `reference` with dig), and unbound's outside names: C's floor for the same answers.
 */
export async function startNsd(dir: string, reference: Server, questions: readonly (readonly [string, string])[]): Promise<Server> {
  const folder = join(dir, 'nsd')
  mkdirSync(folder, { recursive: true })
  const zones = new Map<string, Set<string>>([
    ['cluster.local', new Set()],
    ['in-addr.arpa', new Set()],
    ['example.com', new Set(OUTSIDE_NAMES.map((n, i) => `${n}. 300 IN A 192.0.2.${i % 250}`))],
  ])
  for (const [name, type] of questions) {
    const reply = await dig(name, type, { port: reference.port })
    for (const record of [...reply.answer, ...reply.additional]) {
      const zone = [...zones.keys()].find((z) => record.split(' ')[0]!.endsWith(`.${z}.`))
      zones.get(zone ?? '')?.add(record)
    }
  }
  const zoneConf = [...zones].map(([zone, records]) => {
    writeFileSync(join(folder, `${zone}.zone`), [`${zone}. 30 IN SOA ns.dns.${zone}. hostmaster.${zone}. 1 7200 1800 86400 30`, `${zone}. 30 IN NS ns.dns.${zone}.`, ...records].join('\n') + '\n')
    return `zone:\n  name: "${zone}"\n  zonefile: "${zone}.zone"\n`
  })
  return serve('nsd', (port) => {
    const conf = join(folder, 'nsd.conf')
    writeFileSync(conf, `server:
  ip-address: 127.0.0.1
  port: ${port}
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "${folder}"
  database: ""
  zonelistfile: "${folder}/zone.list"
  xfrdfile: "${folder}/xfrd.state"
  xfrdir: "${folder}"
  pidfile: "${folder}/nsd.pid"
  logfile: "${folder}/nsd.log"
  verbosity: 0
  do-ip6: no
  # Response rate limiting (on in Debian's build) would drop most of a benchmark's replies.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
${zoneConf.join('')}`)
    return ['nsd', '-d', '-c', conf]
  }, SERVER_CORE, OUTSIDE_NAMES[0]!)
}

/** dnsmasq as kube-dns ran it: a cache in front of the resolver (here unbound). */
export function startDnsmasq(upstream: Server): Promise<Server> {
  return serve('dnsmasq', (port) => [
    'dnsmasq', '--keep-in-foreground', '--conf-file=/dev/null', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces',
    '--no-resolv', '--no-hosts', `--server=127.0.0.1#${upstream.port}`, '--cache-size=10000', '--pid-file=', '--user=root',
  ], SERVER_CORE, OUTSIDE_NAMES[0]!)
}

/**
 * `ref` of this repository built in `dir` (git archive + its own `npm run build`, sharing this
 * checkout's node_modules): the baseline clusterdns, measured in the same run.
 */
export function buildBaseline(root: string, ref: string, dir: string): { checkout: string; commit: string } {
  const commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', ref], { encoding: 'utf8' }).trim()
  const checkout = join(dir, `baseline-${commit}`)
  mkdirSync(checkout, { recursive: true })
  execFileSync('sh', ['-c', `git -C "$1" archive "$2" | tar -x -C "$3"`, 'sh', root, commit, checkout])
  execFileSync('ln', ['-s', join(root, 'node_modules'), join(checkout, 'node_modules')])
  // Built as that commit builds itself (before the bundle, tsc wrote dist/).
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: checkout, stdio: 'inherit' })
  return { checkout, commit }
}
