import { existsSync, readFileSync } from 'node:fs'
import { isIPv6 } from 'node:net'
import { ApiConfigError } from '../../errors.js'
import type { ApiTarget } from './api-target.js'

/** How to reach the API: the `kubernetes` directive's endpoint, tls and kubeconfig options. */
export interface ApiConnection {
  readonly endpoint: string | null
  readonly tls: { readonly cert: string; readonly key: string; readonly ca: string } | null
  readonly kubeconfig: { readonly file: string; readonly context: string | null } | null
}

/** Where a pod's service account is mounted; the env variable moves it (tests, unusual mounts). */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount'
export const SERVICE_ACCOUNT_DIR_ENV = 'CLUSTERDNS_SERVICE_ACCOUNT_DIR'

const readFile = (what: string, path: string): Buffer => {
  try {
    return readFileSync(path)
  } catch (err) {
    throw new ApiConfigError(`cannot read the ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}

/**
 * The API server and its credentials. Unlike the library's loadFromDefault, which falls back to
 * http://localhost:8080 when it finds nothing, a missing configuration is an error. The client
 * library (~85 MiB of RSS once imported) is loaded only for a kubeconfig, whose exec plugins,
 * OIDC and client certificates it knows.
 */
export async function resolveApiTarget(connection: ApiConnection, env: NodeJS.ProcessEnv = process.env): Promise<ApiTarget> {
  if (connection.kubeconfig) {
    const { kubeconfigTarget } = await import('./kubeconfig-target.js')
    return kubeconfigTarget(connection.kubeconfig)
  }
  if (connection.endpoint) {
    const server = new URL(connection.endpoint)
    const tls = connection.tls
    if (!tls) return { server, credentials: async () => ({ headers: {} }) }
    const material = { ca: readFile('CA certificate', tls.ca), cert: readFile('client certificate', tls.cert), key: readFile('client key', tls.key), headers: {} }
    return { server, credentials: async () => material }
  }
  return inClusterTarget(env)
}

/**
 * A pod's own API access: KUBERNETES_SERVICE_HOST/_PORT, the service account CA, and its token,
 * read again for every request because the kubelet rotates it (client-go re-reads it every
 * minute; requests are few, so reading each time costs nothing and never sends a stale one).
 */
function inClusterTarget(env: NodeJS.ProcessEnv): ApiTarget {
  const host = env.KUBERNETES_SERVICE_HOST
  const port = env.KUBERNETES_SERVICE_PORT
  if (!host || !port) {
    throw new ApiConfigError('no API server: not running in a pod (KUBERNETES_SERVICE_HOST is unset) and no endpoint or kubeconfig given')
  }
  const dir = env[SERVICE_ACCOUNT_DIR_ENV] || SERVICE_ACCOUNT_DIR
  const tokenPath = `${dir}/token`
  if (!existsSync(tokenPath)) throw new ApiConfigError(`running in a pod without a service account token at ${tokenPath}`)
  // As the library's loadFromCluster (and so as before): these ports mean a plain-HTTP proxy.
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https'
  const server = new URL(`${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`)
  const ca = scheme === 'https' ? readFile('service account CA', `${dir}/ca.crt`) : undefined
  return {
    server,
    credentials: async () => {
      const token = readFile('service account token', tokenPath).toString('utf8').trim()
      return { ...(ca ? { ca } : {}), headers: { authorization: `Bearer ${token}` } }
    },
  }
}
