import { readFileSync } from 'node:fs'

/** This build's version, from package.json (`-version`, build info, `chaos`). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}
