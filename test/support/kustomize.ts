import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'

export const MANIFESTS = fileURLToPath(new URL('../../manifests', import.meta.url))

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [k: string]: any }

export interface RenderChoices {
  /** Components to turn on, as manifests/kustomization.yaml lists them (`components/monitoring`). */
  readonly components?: readonly string[]
  /** New values for manifests/parameters.yaml (`clusterIP`, `clusterDomain`). */
  readonly parameters?: Record<string, string>
  /** Replaces the `images:` entry's fields (`newName`, `newTag`, `digest`). */
  readonly image?: Record<string, string>
}

/**
 * `kubectl kustomize` on a copy of manifests/ edited as the README tells a user to edit it:
 * components uncommented, parameters.yaml values and the image line changed.
 */
export function renderManifests(choices: RenderChoices = {}): K8sObject[] {
  const dir = join(mkdtempSync(join(tmpdir(), 'clusterdns-kustomize-')), 'manifests')
  cpSync(MANIFESTS, dir, { recursive: true })
  const edit = (file: string, change: (text: string) => string): void => {
    const path = join(dir, file)
    const before = readFileSync(path, 'utf8')
    const after = change(before)
    if (after === before) throw new Error(`${file}: the edit changed nothing`)
    writeFileSync(path, after)
  }
  if (choices.components?.length) {
    edit('kustomization.yaml', (text) =>
      choices.components!.reduce((t, c) => t.replace(`  # - ${c}\n`, `  - ${c}\n`), text.replace('\n# components:\n', '\ncomponents:\n')),
    )
  }
  for (const [key, value] of Object.entries(choices.parameters ?? {})) {
    edit('parameters.yaml', (text) => text.replace(new RegExp(`^  ${key}: .*$`, 'm'), `  ${key}: ${value}`))
  }
  for (const [key, value] of Object.entries(choices.image ?? {})) {
    edit('kustomization.yaml', (text) =>
      new RegExp(`^    ${key}: .*$`, 'm').test(text) ? text.replace(new RegExp(`^    ${key}: .*$`, 'm'), `    ${key}: ${value}`) : text.replace('    newName:', `    ${key}: ${value}\n    newName:`),
    )
  }
  return kustomize(dir)
}

/** `kubectl kustomize DIR`, parsed. */
export function kustomize(dir: string): K8sObject[] {
  const output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })
  return parseAllDocuments(output).map((d) => d.toJS() as K8sObject)
}
