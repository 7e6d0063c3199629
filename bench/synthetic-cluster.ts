import type { KubeObject } from '../test/support/api-server/fake-cluster.js'

/**
 * Objects shaped like a real cluster's, with the bulk that real objects carry (labels,
 * annotations, managedFields, container specs, status conditions), so that "keeps whole
 * objects" and "keeps projections" are compared on realistic sizes.
 */
export interface ClusterSize {
  readonly namespaces: number
  readonly services: number
  /** Pods behind each Service (its EndpointSlice's endpoints). */
  readonly podsPerService: number
  /** Pods in each Service's namespace that no Service selects (jobs, daemons): watched, not endpoints. */
  readonly extraPodsPerService?: number
}

const ip = (n: number): string => `10.${64 + ((n >> 16) & 63)}.${(n >> 8) & 255}.${n & 255}`
const time = '2026-11-24T10:00:00Z'

const managedFields = (manager: string) => [
  { manager, operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': { 'f:ports': {} } } },
]

export function* syntheticCluster(size: ClusterSize): Generator<KubeObject> {
  for (let n = 0; n < size.namespaces; n++) {
    yield { kind: 'Namespace', apiVersion: 'v1', metadata: { name: `ns-${n}`, labels: { 'kubernetes.io/metadata.name': `ns-${n}`, team: `team-${n % 7}` } } }
  }
  let pod = 0
  for (let s = 0; s < size.services; s++) {
    const namespace = `ns-${s % size.namespaces}`
    const name = `svc-${s}`
    const headless = s % 10 === 0
    const labels = { app: name, 'app.kubernetes.io/part-of': 'bench', 'app.kubernetes.io/version': '1.2.3' }
    yield {
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name, namespace, labels, annotations: { 'meta.helm.sh/release-name': name }, uid: `uid-svc-${s}`, creationTimestamp: time, managedFields: managedFields('helm') },
      spec: {
        type: 'ClusterIP',
        clusterIP: headless ? 'None' : `10.96.${(s >> 8) & 255}.${s & 255}`,
        clusterIPs: headless ? ['None'] : [`10.96.${(s >> 8) & 255}.${s & 255}`],
        selector: { app: name },
        ports: [
          { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 },
          { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 },
        ],
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    }
    const endpoints = []
    for (let p = 0; p < size.podsPerService + (size.extraPodsPerService ?? 0); p++, pod++) {
      const podName = `${name}-7f9c6d5b8-${p.toString(36).padStart(5, 'x')}`
      yield realisticPod(podName, namespace, name, s, pod)
      if (p >= size.podsPerService) continue
      endpoints.push({
        addresses: [ip(pod)],
        conditions: { ready: true, serving: true, terminating: false },
        nodeName: `node-${pod % 500}`,
        targetRef: { kind: 'Pod', name: podName, namespace, uid: `uid-pod-${pod}` },
        zone: `zone-${pod % 3}`,
        ...(headless ? { hostname: `${name}-${p}` } : {}),
      })
    }
    yield {
      kind: 'EndpointSlice',
      apiVersion: 'discovery.k8s.io/v1',
      metadata: {
        name: `${name}-abcde`,
        namespace,
        labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': time },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: `uid-svc-${s}`, controller: true }],
        generateName: `${name}-`,
        managedFields: managedFields('kube-controller-manager'),
      },
      addressType: 'IPv4',
      endpoints,
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'metrics', port: 9090, protocol: 'TCP' },
      ],
    }
  }
}

const container = (name: string, image: string, port: number) => ({
  name,
  image,
  ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
  env: [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
  ],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  readinessProbe: { httpGet: { path: '/ready', port, scheme: 'HTTP' }, periodSeconds: 10, failureThreshold: 3 },
  volumeMounts: [
    { name: 'config', mountPath: '/etc/app', readOnly: true },
    { name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
  ],
})

const containerStatus = (name: string, image: string) => ({
  name,
  ready: true,
  restartCount: 0,
  image,
  imageID: `${image}@sha256:${'a'.repeat(64)}`,
  containerID: `containerd://${'b'.repeat(64)}`,
  started: true,
  state: { running: { startedAt: time } },
})

/** A Deployment's pod with a sidecar, as a real cluster holds it: ~3.7 KB of JSON. */
function realisticPod(podName: string, namespace: string, app: string, s: number, pod: number): KubeObject {
  const image = `registry.example.com/team/${app}:1.2.3`
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: podName,
      generateName: `${app}-7f9c6d5b8-`,
      namespace,
      labels: { app, 'pod-template-hash': '7f9c6d5b8', 'app.kubernetes.io/part-of': 'bench' },
      annotations: { 'kubectl.kubernetes.io/restartedAt': time },
      uid: `uid-pod-${pod}`,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-7f9c6d5b8`, uid: `uid-rs-${s}`, controller: true, blockOwnerDeletion: true }],
      creationTimestamp: time,
      managedFields: [
        ...managedFields('kube-controller-manager'),
        { manager: 'kubelet', operation: 'Update', apiVersion: 'v1', time, fieldsType: 'FieldsV1', subresource: 'status', fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': {}, 'f:startTime': {} } } },
      ],
    },
    spec: {
      containers: [
        container('app', image, 8080),
        { name: 'metrics-exporter', image: 'registry.example.com/infra/exporter:0.9.1', ports: [{ containerPort: 9090, protocol: 'TCP' }], resources: { requests: { cpu: '10m', memory: '16Mi' } } },
      ],
      volumes: [
        { name: 'config', configMap: { name: `${app}-config`, defaultMode: 420 } },
        { name: 'kube-api-access-x7k2p', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] } },
      ],
      nodeName: `node-${pod % 500}`,
      serviceAccountName: 'default',
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
    },
    status: {
      phase: 'Running',
      podIP: ip(pod),
      podIPs: [{ ip: ip(pod) }],
      hostIP: `192.168.${(pod % 500) >> 8}.${pod % 256}`,
      startTime: time,
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: time })),
      containerStatuses: [containerStatus('app', image), containerStatus('metrics-exporter', 'registry.example.com/infra/exporter:0.9.1')],
      qosClass: 'Burstable',
    },
  }
}
