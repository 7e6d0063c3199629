import { spawn, spawnSync } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { dig } from './support/dig.js'
import { DEMO_CLUSTER } from './support/cluster.js'
import { kubernetes, serverBlock } from './support/corefile.js'
import { freePort } from './support/ports.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MAIN = join(ROOT, 'dist', 'main.js')

const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd: ROOT })

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'clusterdns-cli-')), name)
  writeFileSync(path, text)
  return path
}

describe('clusterdns CLI', () => {
  it('-version prints the version', () => {
    const run = cli('-version')
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^clusterdns-0\.1\.0\n/)
  })

  it('-validate accepts the shipped demo Corefile in every flag spelling', () => {
    for (const args of [['-conf', 'Corefile.example'], ['--conf', 'Corefile.example'], ['-conf=Corefile.example']]) {
      const run = cli(...args, '-validate')
      expect(run.status, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/Corefile\.example: OK/)
    }
  })

  it('-validate refuses a bad Corefile with file:line and a non-zero exit', () => {
    const path = tempFile('Corefile', '.:1053 {\n  kubernetes {\n    manifests x.yaml\n    tll 30\n  }\n}\n')
    const run = cli('-conf', path, '-validate')
    expect(run.status).toBe(1)
    expect(run.stderr).toBe(`${path}:4: plugin/kubernetes: unknown option tll\n`)
  })

  it('refuses unknown flags with usage', () => {
    const run = cli('-bogus')
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/unknown flag -bogus\nusage: clusterdns/)
  })

  it('serves the demo Corefile over UDP and TCP, and exits 0 on SIGTERM', async () => {
    const port = await freePort()
    const demo = readFileSync(join(ROOT, 'Corefile.example'), 'utf8').replace('.:1053', `.:${port}`).replaceAll('examples/demo-cluster.yaml', DEMO_CLUSTER)
    expect(demo).toContain(`.:${port}`)
    const child = spawn(process.execPath, [MAIN, '-conf', tempFile('Corefile', demo)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    for (let i = 0; i < 100 && !output.includes('clusterdns-'); i++) await new Promise((r) => setTimeout(r, 50))
    expect(output).toContain(`.:${port} on 127.0.0.1:${port}`)
    const [udp, tcp] = await Promise.all([
      dig('kubernetes.default.svc.cluster.local', 'A', { port }),
      dig('kubernetes.default.svc.cluster.local', 'A', { port, tool: 'kdig', tcp: true }),
    ])
    for (const reply of [udp, tcp]) expect(reply.answer).toEqual(['kubernetes.default.svc.cluster.local. 30 IN A 10.96.0.1'])
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  })

  it('exits 1 with a clear message when it cannot listen', async () => {
    const blocker = createSocket('udp4')
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', resolve))
    const port = blocker.address().port
    const manifest = tempFile('m.yaml', 'kind: List\nitems: []\n')
    const path = tempFile('Corefile', serverBlock([kubernetes([`manifests ${manifest}`])], { port }))
    const run = cli('-conf', path)
    blocker.close()
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}/udp: .*EADDRINUSE`))
  })
})
