import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { Service } from 'kubernetes-models/v1/Service'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole'
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { parseCorefile } from '../src/config/corefile.js'
import { parseHttpAddress } from '../src/http/listen-address.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIR = join(ROOT, 'manifests')

/** The schema class of each kind we ship (kubernetes-models: generated from the Kubernetes OpenAPI). */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
}

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; [k: string]: any }

const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
const objects: Obj[] = files.flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as Obj))
const find = (kind: string): Obj => objects.find((o) => o.kind === kind)!

describe('manifests/', () => {
  it('every object validates against the Kubernetes API schema of its kind', () => {
    expect(objects.length).toBeGreaterThanOrEqual(7)
    for (const obj of objects) {
      const Model = MODELS[`${obj.apiVersion}/${obj.kind}`]
      expect(Model, `${obj.apiVersion} ${obj.kind} has no schema here`).toBeDefined()
      expect(() => new Model!(obj as never).validate(), `${obj.kind}/${obj.metadata.name}`).not.toThrow()
    }
  })

  it('the schema check would catch a mistake (a port written as text)', () => {
    const broken = structuredClone(find('Deployment'))
    broken.spec.template.spec.containers[0].ports[0].containerPort = '53'
    expect(() => new Deployment(broken as never).validate()).toThrow(/containerPort must be integer/)
  })

  it('kustomization.yaml lists every manifest', () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[]; namespace: string }
    expect([...kustomization.resources].sort()).toEqual([...files].sort())
    expect(kustomization.namespace).toBe('kube-system')
  })

  it("the ConfigMap's Corefile passes clusterdns -validate", () => {
    const path = join(mkdtempSync(join(tmpdir(), 'clusterdns-cm-')), 'Corefile')
    writeFileSync(path, find('ConfigMap').data.Corefile)
    const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'main.js'), '-conf', path, '-validate'], { encoding: 'utf8' })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
  })

  it('ports and probe paths agree between Corefile, Deployment and Service', () => {
    const corefile = parseCorefile(find('ConfigMap').data.Corefile, 'Corefile')
    const block = corefile[0]!
    const portOf = (name: string): number => parseHttpAddress(block.directives.find((d) => d.name === name)!.args[0] ?? { health: ':8080', ready: ':8181' }[name]!)!.port
    const dnsPort = Number(block.keys[0]!.split(':')[1])
    const container = find('Deployment').spec.template.spec.containers[0]
    const containerPorts = Object.fromEntries(container.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]))
    expect(containerPorts).toEqual({ dns: dnsPort, 'dns-tcp': dnsPort, metrics: portOf('prometheus'), health: portOf('health'), ready: portOf('ready') })
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/health', port: portOf('health') })
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/ready', port: portOf('ready') })
    const service = find('Service')
    expect(service.spec.ports.map((p: { targetPort: number; protocol: string }) => `${p.targetPort}/${p.protocol}`)).toEqual([`${dnsPort}/UDP`, `${dnsPort}/TCP`, `${portOf('prometheus')}/TCP`])
    expect(service.metadata.annotations!['prometheus.io/port']).toBe(String(portOf('prometheus')))
    expect(service.spec.clusterIP).toBe('10.96.0.10')
    // The Service selects the pods the Deployment makes.
    expect(find('Deployment').spec.template.metadata.labels).toMatchObject(service.spec.selector)
    expect(container.args).toEqual(['-conf', `${container.volumeMounts[0].mountPath}/Corefile`])
  })

  it('grants list and watch only, on the four kinds the server reads', () => {
    const rules = find('ClusterRole').rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>
    expect(rules.flatMap((r) => r.verbs)).toEqual(['list', 'watch', 'list', 'watch'])
    expect(rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}`)).sort()).toEqual(['/namespaces', '/pods', '/services', 'discovery.k8s.io/endpointslices'])
  })

  it('runs non-root, read-only, with only NET_BIND_SERVICE, RuntimeDefault seccomp and the port-53 sysctl', () => {
    const pod = find('Deployment').spec.template.spec
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '53' }])
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })
    expect(pod.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '70Mi' }, limits: { memory: '170Mi' } })
    expect(pod.dnsPolicy).toBe('Default')
  })
})
