import { existsSync } from 'node:fs'
import type { RequestOptions } from 'node:https'
import { KubeConfig } from '@kubernetes/client-node'
import { ApiConfigError } from '../../errors.js'
import type { ApiTarget, RequestCredentials } from './api-target.js'

/**
 * A kubeconfig file's current context (or `context`), through the client library, which knows
 * its many ways to authenticate. Imported only for a kubeconfig.
 */
export function kubeconfigTarget(kubeconfig: { readonly file: string; readonly context: string | null }): ApiTarget {
  const { file, context } = kubeconfig
  const kc = new KubeConfig()
  if (!existsSync(file)) throw new ApiConfigError(`kubeconfig ${file} does not exist`)
  kc.loadFromFile(file)
  if (context) {
    if (!kc.getContextObject(context)) throw new ApiConfigError(`kubeconfig ${file} has no context ${context}`)
    kc.setCurrentContext(context)
  }
  const cluster = kc.getCurrentCluster()
  if (!cluster) throw new ApiConfigError(`kubeconfig ${file} names no current cluster`)
  return {
    server: new URL(cluster.server),
    // Asked per request: exec plugins and OIDC refresh expiring tokens here.
    async credentials(): Promise<RequestCredentials> {
      const opts: RequestOptions = {}
      await kc.applyToHTTPSOptions(opts)
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(opts.headers ?? {})) if (typeof value === 'string') headers[name.toLowerCase()] = value
      if (opts.auth) headers.authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`
      return {
        ...(opts.ca ? { ca: opts.ca as RequestCredentials['ca'] } : {}),
        ...(opts.cert ? { cert: opts.cert as string | Buffer } : {}),
        ...(opts.key ? { key: opts.key as string | Buffer } : {}),
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
        ...(opts.servername ? { servername: opts.servername } : {}),
        headers,
      }
    },
  }
}
