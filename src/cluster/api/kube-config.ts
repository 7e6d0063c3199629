import { existsSync } from 'node:fs'
import { KubeConfig } from '@kubernetes/client-node'
import { ApiConfigError } from '../../errors.js'

/** How to reach the API: the `kubernetes` directive's endpoint, tls and kubeconfig options. */
export interface ApiConnection {
  readonly endpoint: string | null
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string } | null
  readonly kubeconfig: { readonly file: string; readonly context: string | null } | null
}

const TOKEN_PATH = '/var/run/secrets/kubernetes.io/serviceaccount/token'

/**
 * The client configuration for a connection. Unlike the library's loadFromDefault, which falls
 * back to http://localhost:8080 when it finds nothing, a missing configuration is an error.
 * In a pod, the service account token is re-read by the library as it rotates.
 */
export function loadKubeConfig(connection: ApiConnection, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig()
  if (connection.kubeconfig) {
    const { file, context } = connection.kubeconfig
    if (!existsSync(file)) throw new ApiConfigError(`kubeconfig ${file} does not exist`)
    kc.loadFromFile(file)
    if (context) {
      if (!kc.getContextObject(context)) throw new ApiConfigError(`kubeconfig ${file} has no context ${context}`)
      kc.setCurrentContext(context)
    }
    if (!kc.getCurrentCluster()) throw new ApiConfigError(`kubeconfig ${file} names no current cluster`)
    if (connection.endpoint) kc.clusters = kc.clusters.map((c) => (c.name === kc.getCurrentCluster()!.name ? { ...c, server: connection.endpoint! } : c))
    return allowingPlainHttp(kc)
  }
  if (connection.endpoint) {
    const tls = connection.tls
    kc.loadFromClusterAndUser(
      { name: 'endpoint', server: connection.endpoint, skipTLSVerify: false, ...(tls ? { caFile: tls.ca } : {}) },
      { name: 'endpoint-user', ...(tls ? { certFile: tls.cert, keyFile: tls.key } : {}) },
    )
    return allowingPlainHttp(kc)
  }
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) {
    throw new ApiConfigError('no API server: not running in a pod (KUBERNETES_SERVICE_HOST is unset) and no endpoint or kubeconfig given')
  }
  if (!existsSync(TOKEN_PATH)) throw new ApiConfigError(`running in a pod without a service account token at ${TOKEN_PATH}`)
  kc.loadFromCluster()
  return allowingPlainHttp(kc)
}

/**
 * The library refuses an http:// server unless told to skip TLS verification, even the one its own
 * loadFromCluster picks for ports 80, 8080 and 8001; over http there is no TLS to verify.
 */
function allowingPlainHttp(kc: KubeConfig): KubeConfig {
  kc.clusters = kc.clusters.map((c) => (c.server.startsWith('http:') ? { ...c, skipTLSVerify: true } : c))
  return kc
}
