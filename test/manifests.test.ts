import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Service } from 'kubernetes-models/v1/Service'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole'
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule'
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor'
import { parseCorefile } from '../src/config/corefile.js'
import { parseHttpAddress } from '../src/http/listen-address.js'
import { MAIN, ROOT } from './support/cli-process.js'
import { kustomize, MANIFESTS, renderManifests, type K8sObject } from './support/kustomize.js'

/** The schema class of each kind we ship (kubernetes-models: generated from the Kubernetes and Prometheus Operator OpenAPI). */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
}

const BASE_KINDS = ['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'Service', 'ServiceAccount']

const RENDERS = {
  default: renderManifests(),
  parameters: renderManifests({ parameters: { clusterIP: '10.100.0.10', clusterDomain: 'k8s.internal' } }),
  image: renderManifests({ image: { newName: 'registry.example.org/dns/clusterdns', digest: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef' } }),
  corednsCorefile: renderManifests({ components: ['components/coredns-corefile'] }),
  monitoring: renderManifests({ components: ['components/monitoring'] }),
  everything: renderManifests({ components: ['components/coredns-corefile', 'components/monitoring'], parameters: { clusterIP: '10.100.0.10' } }),
}

const find = (objects: K8sObject[], kind: string, name?: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))
  expect(found, `${kind} ${name ?? ''} in the render`).toBeDefined()
  return found!
}
const container = (objects: K8sObject[]) => find(objects, 'Deployment').spec.template.spec.containers[0]
const envOf = (objects: K8sObject[], name: string): string => container(objects).env.find((e: { name: string }) => e.name === name).value

function validateCorefile(text: string, env: Record<string, string>) {
  const path = join(mkdtempSync(join(tmpdir(), 'clusterdns-cm-')), 'Corefile')
  writeFileSync(path, text)
  return spawnSync(process.execPath, [MAIN, '-conf', path, '-validate'], { encoding: 'utf8', env: { ...process.env, ...env } })
}

describe('manifests/ rendered with kubectl kustomize', () => {
  it.each(Object.entries(RENDERS))('%s: every object validates against the schema of its kind', (_, objects) => {
    expect(objects.length).toBeGreaterThanOrEqual(6)
    for (const obj of objects) {
      const Model = MODELS[`${obj.apiVersion}/${obj.kind}`]
      expect(Model, `${obj.apiVersion} ${obj.kind} has no schema here`).toBeDefined()
      expect(() => new Model!(obj as never).validate(), `${obj.kind}/${obj.metadata.name}`).not.toThrow()
    }
  })

  it('the schema check would catch a mistake (a port written as text, a rule without expr)', () => {
    const broken = structuredClone(find(RENDERS.default, 'Deployment'))
    broken.spec.template.spec.containers[0].ports[0].containerPort = '53'
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort must be integer/)
    const rule = structuredClone(find(RENDERS.monitoring, 'PrometheusRule'))
    delete rule.spec.groups[0].rules[0].expr
    expect(() => new PrometheusRule(rule as never).validate()).toThrow(/expr/)
  })

  it('the default render is the base in kube-system, with the parameters object left out', () => {
    expect([...new Set(RENDERS.default.map((o) => o.kind))].sort()).toEqual(BASE_KINDS)
    for (const obj of RENDERS.default) if (!obj.kind.startsWith('Cluster')) expect(obj.metadata.namespace, obj.kind).toBe('kube-system')
    expect(RENDERS.default.find((o) => o.metadata.name === 'clusterdns-parameters')).toBeUndefined()
    expect(find(RENDERS.default, 'Service').spec.clusterIP).toBe('10.96.0.10')
    expect(envOf(RENDERS.default, 'CLUSTER_DOMAIN')).toBe('cluster.local')
    expect(container(RENDERS.default).image).toBe('clusterdns:0.1.0')
  })

  it('parameters.yaml sets the Service clusterIP and the Corefile cluster domain', () => {
    expect(find(RENDERS.parameters, 'Service').spec.clusterIP).toBe('10.100.0.10')
    expect(envOf(RENDERS.parameters, 'CLUSTER_DOMAIN')).toBe('k8s.internal')
    // The Corefile takes the domain from the environment the Deployment gives it.
    const corefile = find(RENDERS.parameters, 'ConfigMap', 'clusterdns').data.Corefile as string
    const kubernetes = parseCorefile(corefile, 'Corefile', { env: { CLUSTER_DOMAIN: envOf(RENDERS.parameters, 'CLUSTER_DOMAIN') } })[0]!.directives.find((d) => d.name === 'kubernetes')!
    expect(kubernetes.args).toEqual(['k8s.internal', 'in-addr.arpa', 'ip6.arpa'])
  })

  it('images: sets the image in one place, by digest too', () => {
    expect(container(RENDERS.image).image).toBe('registry.example.org/dns/clusterdns:0.1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef')
  })

  it("components/coredns-corefile runs the cluster's coredns ConfigMap and creates no ConfigMap of its own", () => {
    const volumes = find(RENDERS.corednsCorefile, 'Deployment').spec.template.spec.volumes
    expect(volumes).toEqual([
      { name: 'config', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } },
      { name: 'snapshot', emptyDir: { sizeLimit: '256Mi' } },
    ])
    expect(RENDERS.corednsCorefile.filter((o) => o.kind === 'ConfigMap')).toEqual([])
    expect(find(RENDERS.corednsCorefile, 'Service', 'kube-dns').spec.selector).toEqual({ 'k8s-app': 'kube-dns' })
  })

  it('components/monitoring: the ServiceMonitor scrapes the Service port that serves /metrics; the dashboard is JSON for the Grafana sidecar', () => {
    const monitor = find(RENDERS.monitoring, 'ServiceMonitor')
    const service = find(RENDERS.monitoring, 'Service')
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels)
    expect(monitor.spec.namespaceSelector.matchNames).toEqual([service.metadata.namespace])
    expect(service.metadata.labels![monitor.spec.jobLabel]).toBe('kube-dns')
    const metricsPort = service.spec.ports.find((p: { name: string }) => p.name === monitor.spec.endpoints[0].port)
    expect(metricsPort.targetPort).toBe(Number(service.metadata.annotations!['prometheus.io/port']))
    const dashboard = find(RENDERS.monitoring, 'ConfigMap', 'clusterdns-dashboard')
    expect(dashboard.metadata.labels).toMatchObject({ grafana_dashboard: '1' })
    expect(JSON.parse(dashboard.data['clusterdns.json']).uid).toBe('clusterdns')
    expect(RENDERS.everything.map((o) => o.kind).sort()).toEqual([...BASE_KINDS.filter((k) => k !== 'ConfigMap'), 'ConfigMap', 'PrometheusRule', 'ServiceMonitor'].sort())
  })

  it("the ConfigMap's Corefile passes clusterdns -validate with the Deployment's environment", () => {
    const corefile = find(RENDERS.default, 'ConfigMap', 'clusterdns').data.Corefile as string
    const run = validateCorefile(corefile, { CLUSTER_DOMAIN: envOf(RENDERS.default, 'CLUSTER_DOMAIN') })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
  })

  it('ports and probe paths agree between Corefile, Deployment and Service', () => {
    const objects = RENDERS.default
    const block = parseCorefile(find(objects, 'ConfigMap').data.Corefile, 'Corefile', { env: { CLUSTER_DOMAIN: 'cluster.local' } })[0]!
    const portOf = (name: string): number => parseHttpAddress(block.directives.find((d) => d.name === name)!.args[0] ?? { health: ':8080', ready: ':8181' }[name]!)!.port
    const dnsPort = Number(block.keys[0]!.split(':')[1])
    const main = container(objects)
    const containerPorts = Object.fromEntries(main.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]))
    expect(containerPorts).toEqual({ dns: dnsPort, 'dns-tcp': dnsPort, metrics: portOf('prometheus'), health: portOf('health'), ready: portOf('ready') })
    expect(main.livenessProbe.httpGet).toMatchObject({ path: '/health', port: portOf('health') })
    expect(main.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: portOf('ready') })
    const service = find(objects, 'Service')
    expect(service.spec.ports.map((p: { targetPort: number; protocol: string }) => `${p.targetPort}/${p.protocol}`)).toEqual([`${dnsPort}/UDP`, `${dnsPort}/TCP`, `${portOf('prometheus')}/TCP`])
    expect(service.metadata.annotations!['prometheus.io/port']).toBe(String(portOf('prometheus')))
    // The Service selects the pods the Deployment makes.
    expect(find(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(service.spec.selector)
    expect(main.args).toEqual(['-conf', `${main.volumeMounts[0].mountPath}/Corefile`])
  })

  it('schedules on Linux nodes, spread over zones and hosts without ever blocking', () => {
    const pod = find(RENDERS.default, 'Deployment').spec.template
    expect(pod.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' })
    const spread = pod.spec.topologySpreadConstraints as Array<{ topologyKey: string; whenUnsatisfiable: string; maxSkew: number; labelSelector: { matchLabels: Record<string, string> } }>
    expect(spread.map((c) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname'])
    for (const c of spread) {
      expect(c).toMatchObject({ maxSkew: 1, whenUnsatisfiable: 'ScheduleAnyway' })
      expect(pod.metadata.labels).toMatchObject(c.labelSelector.matchLabels)
    }
  })

  it('grants list and watch only, on the four kinds the server reads', () => {
    const rules = find(RENDERS.default, 'ClusterRole').rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>
    expect(rules.flatMap((r) => r.verbs)).toEqual(['list', 'watch', 'list', 'watch'])
    expect(rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}`)).sort()).toEqual(['/namespaces', '/pods', '/services', 'discovery.k8s.io/endpointslices'])
  })

  it('runs non-root, read-only, with only NET_BIND_SERVICE, RuntimeDefault seccomp and the port-53 sysctl', () => {
    const pod = find(RENDERS.default, 'Deployment').spec.template.spec
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '53' }])
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '100Mi' }, limits: { memory: '170Mi' } })
    expect(pod.dnsPolicy).toBe('Default')
  })
})

describe("the README's commands", () => {
  it('its edits of manifests/ set the image, the clusterIP and the cluster domain', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const edits = readme.split('\n').filter((line) => /^sed -i .* manifests\//.test(line))
    expect(edits).toHaveLength(2)
    const dir = mkdtempSync(join(tmpdir(), 'clusterdns-readme-'))
    cpSync(MANIFESTS, join(dir, 'manifests'), { recursive: true })
    const env = { ...process.env, REGISTRY: 'registry.example.org/dns', IP: '10.100.0.10', DOMAIN: 'k8s.internal' }
    for (const edit of edits) execFileSync('bash', ['-c', edit], { cwd: dir, env })
    const objects = kustomize(join(dir, 'manifests'))
    expect(container(objects).image).toBe('registry.example.org/dns/clusterdns:0.1.0')
    expect(find(objects, 'Service').spec.clusterIP).toBe('10.100.0.10')
    expect(envOf(objects, 'CLUSTER_DOMAIN')).toBe('k8s.internal')
  })
})

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string }

  it('takes both base images as build arguments (so they can be pinned by digest) and labels the image', () => {
    expect(dockerfile.match(/^FROM .*$/gm)).toEqual(['FROM ${BUILD_IMAGE} AS build', 'FROM ${RUNTIME_IMAGE}'])
    expect(dockerfile).toMatch(/^ARG BUILD_IMAGE=node:24-bookworm-slim$/m)
    expect(dockerfile).toMatch(/^ARG RUNTIME_IMAGE=gcr\.io\/distroless\/nodejs24-debian13:nonroot$/m)
    expect(dockerfile).toContain(`ARG VERSION=${pkg.version}`)
    for (const label of ['title', 'description', 'version', 'source', 'licenses', 'base.name']) expect(dockerfile).toContain(`org.opencontainers.image.${label}=`)
    expect(dockerfile).toContain(`org.opencontainers.image.licenses="${pkg.license}"`)
  })

  it('starts Node with the V8 flags the sizing table was measured with', () => {
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/nodejs\/bin\/node", "--max-semi-space-size=1", "--invocation-count-for-maglev=5000", "--no-memory-reducer", "dist\/main\.js"\]$/m)
  })
})
