import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/*
 * How the image starts the server, read from the Dockerfile so that benchmarks measure memory as
 * deployed: the Node flags of its ENTRYPOINT (between the node binary and dist/main.js) and the
 * environment its ENV lines set.
 */
const dockerfile = readFileSync(fileURLToPath(new URL('../Dockerfile', import.meta.url)), 'utf8')
const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[]

export const IMAGE_NODE_FLAGS: readonly string[] = entrypoint.slice(1, entrypoint.indexOf('dist/main.js'))
export const IMAGE_ENV: Readonly<Record<string, string>> = Object.fromEntries([...dockerfile.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]))
