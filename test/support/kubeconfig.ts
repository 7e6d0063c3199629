/**
 * A kubeconfig for the test API server at `server` (plain HTTP, so TLS checks are off, as the
 * client library requires), with one token user and `contexts`, the first of them current.
 */
export const kubeconfig = (server: string, contexts: readonly string[] = ['test']): string => `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster: { server: ${server}, insecure-skip-tls-verify: true }
users:
  - name: tester
    user: { token: not-checked }
contexts:
${contexts.map((name) => `  - name: ${name}\n    context: { cluster: test, user: tester }\n`).join('')}current-context: ${contexts[0]}
`
