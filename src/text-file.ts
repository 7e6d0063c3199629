import { readFileSync } from 'node:fs'
import type { ClusterDnsError } from './errors.js'

/** A file's text; when it cannot be read, the error `fail` makes of the reason (ENOENT…). */
export function readTextFile(path: string, fail: (reason: string) => ClusterDnsError): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw fail((err as Error).message)
  }
}
