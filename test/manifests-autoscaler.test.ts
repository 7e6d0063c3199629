import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap'
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount'
import { Deployment } from 'kubernetes-models/apps/v1/Deployment'
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole'
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding'
import { ROOT } from './support/cli-process.js'
import { renderManifests, type K8sObject } from './support/kustomize.js'

const rendered = renderManifests({ components: ['components/autoscaler'] })
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  ConfigMap,
  ServiceAccount,
  Deployment,
  ClusterRole,
  ClusterRoleBinding,
}

const named = (kind: string, name: string): K8sObject => {
  const found = rendered.find((o) => o.kind === kind && o.metadata.name === name)
  expect(found, `${kind} ${name}`).toBeDefined()
  return found!
}
const autoscaler = (): K8sObject => named('Deployment', 'clusterdns-autoscaler')
const flag = (name: string): string => {
  const arg = (autoscaler().spec.template.spec.containers[0].command as string[]).find((a) => a.startsWith(`--${name}=`))
  expect(arg, `--${name}`).toBeDefined()
  return arg!.slice(name.length + 3)
}

describe('components/autoscaler (cluster-proportional-autoscaler, as for kube-dns)', () => {
  it('renders with kubectl kustomize, and every object it adds validates against the schema of its kind', () => {
    const added = rendered.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'autoscaler')
    expect(added.map((o) => o.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'Deployment', 'ServiceAccount'])
    for (const obj of added) expect(() => new MODELS[obj.kind]!(obj as never).validate(), obj.kind).not.toThrow()
    for (const obj of added) if (!obj.kind.startsWith('Cluster')) expect(obj.metadata.namespace, obj.kind).toBe('kube-system')
  })

  it('resizes the clusterdns Deployment, which then names no replica count of its own for apply to put back', () => {
    expect(flag('target')).toBe('deployment/clusterdns')
    expect(flag('namespace')).toBe('kube-system')
    expect(named('Deployment', 'clusterdns').spec.replicas).toBeUndefined()
    // Without the component the base keeps its two.
    expect(renderManifests().find((o) => o.kind === 'Deployment')!.spec.replicas).toBe(2)
  })

  it('reads linear parameters from its ConfigMap; the defaults it falls back to are the same', () => {
    const configMap = named('ConfigMap', flag('configmap'))
    const linear = JSON.parse(configMap.data.linear)
    expect(linear).toEqual({ coresPerReplica: 360, nodesPerReplica: 22, min: 2, preventSinglePointFailure: true })
    expect(JSON.parse(flag('default-params'))).toEqual({ linear })
  })

  it("its service account may count nodes and resize the Deployment's scale, and nothing of Secrets", () => {
    const account = autoscaler().spec.template.spec.serviceAccountName
    named('ServiceAccount', account)
    const binding = rendered.find((o) => o.kind === 'ClusterRoleBinding' && o.subjects.some((s: { name: string }) => s.name === account))!
    const rules = named('ClusterRole', binding.roleRef.name).rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]
    const allows = (group: string, resource: string, verb: string): boolean =>
      rules.some((r) => r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb))
    expect(['list', 'watch'].every((v) => allows('', 'nodes', v))).toBe(true)
    expect(['get', 'update'].every((v) => allows('apps', 'deployments/scale', v))).toBe(true)
    expect(allows('', 'configmaps', 'get')).toBe(true)
    expect(rules.some((r) => r.resources.includes('secrets') || r.resources.includes('*') || r.verbs.includes('*'))).toBe(false)
  })

  it("the README's capacity plan states the parameters the component ships", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const plan = readme.slice(readme.indexOf('### Capacity'))
    const linear = JSON.parse(named('ConfigMap', 'clusterdns-autoscaler').data.linear)
    for (const [key, value] of Object.entries(linear)) expect(plan).toContain(`\`${key}: ${value}\``)
  })
})
