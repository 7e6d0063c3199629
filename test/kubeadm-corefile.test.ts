import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_CLUSTER, rr } from './support/cluster.js'
import { renderManifests } from './support/kustomize.js'
import { dig } from './support/dig.js'
import { createTestHosts, type TestHosts } from './support/netns.js'
import { startUnbound, type RunningUnbound } from './support/unbound.js'
import { until } from './support/until.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
// The ConfigMap and the Deployment's environment (the Corefile's {$CLUSTER_DOMAIN}) as kustomize renders them.
const rendered = renderManifests()
const configMap = rendered.find((o) => o.kind === 'ConfigMap')!
const deploymentEnv = (rendered.find((o) => o.kind === 'Deployment')!.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).flatMap((e) =>
  e.value === undefined ? [] : [[e.name, e.value] as const],
)

/** Starts `argv`, resolving once its output includes `ready`. */
function startProcess(argv: string[], ready: string, env: NodeJS.ProcessEnv = process.env): Promise<{ child: ChildProcess; output: () => string }> {
  // Its own process group: stopping it stops what it started (tsx runs the API server as a child).
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: ROOT, detached: true })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} did not start:\n${output}`)), 20_000)
    const check = setInterval(() => {
      if (!output.includes(ready)) return
      clearInterval(check)
      clearTimeout(timer)
      resolve({ child, output: () => output })
    }, 50)
    child.once('exit', (code) => {
      clearInterval(check)
      clearTimeout(timer)
      reject(new Error(`${argv.join(' ')} exited ${code}:\n${output}`))
    })
  })
}

/**
 * kubeadm's default Corefile, unchanged (the one manifests/ ships), run as in a pod: on port 53 of
 * every address of its own network namespace, the in-cluster API configuration (a test API server
 * in that namespace, the service account files in a private /run), and forward reading an
 * /etc/resolv.conf that names the test resolver, in a second namespace across a veth pair.
 */
describe("kubeadm's default Corefile, unchanged", () => {
  let hosts: TestHosts
  let resolver: RunningUnbound
  const children: ChildProcess[] = []
  let logs: () => string = () => ''

  beforeAll(async () => {
    hosts = createTestHosts((address) => `nameserver ${address}\n`)
    resolver = await startUnbound({ zone: 'example.com.', records: ['api.example.com. 300 IN A 192.0.2.80'] }, hosts.resolverAddress, 53, { netns: hosts.resolver })
    const api = await startProcess([...hosts.exec(hosts.server), 'npx', 'tsx', 'test/support/api-server/cli.ts', '--port', '8001', DEMO_CLUSTER], 'Kubernetes API (test server) at')
    children.push(api.child)
    const corefile = join(mkdtempSync(join(tmpdir(), 'clusterdns-kubeadm-')), 'Corefile')
    writeFileSync(corefile, configMap.data.Corefile)
    const inPod = [
      'mount -t tmpfs tmpfs /run',
      'mkdir -p /run/secrets/kubernetes.io/serviceaccount',
      'echo test-token > /run/secrets/kubernetes.io/serviceaccount/token',
      ': > /run/secrets/kubernetes.io/serviceaccount/ca.crt',
      'exec "$0" dist/main.js -conf "$1"',
    ].join(' && ')
    const env = { ...process.env, ...Object.fromEntries(deploymentEnv), KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: '8001', POD_IP: '10.244.0.5' }
    const server = await startProcess([...hosts.exec(hosts.server), 'unshare', '--mount', '--propagation', 'private', 'sh', '-c', inPod, process.execPath, corefile], 'clusterdns-', env)
    children.push(server.child)
    logs = server.output
  })

  afterAll(async () => {
    for (const child of children) process.kill(-child.pid!, 'SIGTERM')
    await resolver?.stop()
    hosts?.remove()
  })

  const ask = (name: string, type: string) => dig(name, type, { port: 53, via: hosts.exec(hosts.server) })

  it('serves the cluster from the API, outside names through the resolv.conf upstream, and its own NS', async () => {
    const web = await until(() => ask('web.shop.svc.cluster.local', 'A'), (r) => r.status === 'NOERROR', 10_000)
    expect(web.answer, `${web.status}\n${logs()}`).toEqual([rr('web.shop.svc.cluster.local', 'A', '10.96.100.10', 30)])
    expect((await ask('api.example.com', 'A')).answer).toEqual(['api.example.com. 30 IN A 192.0.2.80'])
    // The apex NS: kube-dns, found by this pod's address among its endpoints.
    expect((await ask('cluster.local', 'NS')).answer).toEqual(['cluster.local. 30 IN NS kube-dns.kube-system.svc.cluster.local.'])
    expect((await ask('10-1-2-3.shop.pod.cluster.local', 'A')).answer).toEqual([rr('10-1-2-3.shop.pod.cluster.local', 'A', '10.1.2.3', 30)])
    expect(logs()).not.toMatch(/\[ERROR\]/)
  })
})
