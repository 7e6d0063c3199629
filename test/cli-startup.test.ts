import { createSocket } from 'node:dgram'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { block, kubernetes, serverBlock } from './support/corefile.js'
import { LAUNCHER, ROOT, runCli, startCli, tempFile, type RunningCli } from './support/cli-process.js'
import { dig } from './support/dig.js'
import { stoppedAfterEach } from './support/lifetimes.js'
import { freePort } from './support/ports.js'
import { until } from './support/until.js'

/** The CLI as a server, killed (with its process group) after each test. */
const serve = stoppedAfterEach(
  async (...args: Parameters<typeof startCli>) => startCli(...args),
  async (cli: RunningCli) => void (await cli.stop('SIGKILL')),
)

/** The demo cluster served on `port` of 127.0.0.1, after `directives`. */
const demoBlock = (port: number, directives: readonly string[] = []): string => serverBlock([...directives, kubernetes()], { port })
const ANSWER = 'kubernetes.default.svc.cluster.local. 5 IN A 10.96.0.1'

/** A failed start-up: exactly one line on standard error, status 1. */
function expectOneLineFailure(run: { status: number | null; stderr: string }, line: RegExp): void {
  expect(run.status, run.stderr).toBe(1)
  expect(run.stderr).toMatch(/^[^\n]+\n$/)
  expect(run.stderr).toMatch(line)
}

describe('start-up failures: one line naming the cause, exit status 1', () => {
  it('a Corefile that does not exist', () => {
    expectOneLineFailure(runCli(['-conf', '/nonexistent/Corefile']), /^\/nonexistent\/Corefile:0: cannot read Corefile: ENOENT: no such file or directory/)
  })

  it('no ./Corefile and no -conf', () => {
    const empty = mkdtempSync(join(tmpdir(), 'clusterdns-empty-'))
    expectOneLineFailure(runCli([], { cwd: empty }), new RegExp(`^${empty}/Corefile:0: cannot read Corefile: ENOENT`))
  })

  it('a Corefile that cannot be read (a folder)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'clusterdns-dir-'))
    expectOneLineFailure(runCli(['-conf', folder]), /cannot read Corefile: EISDIR/)
  })

  it('a bad Corefile', () => {
    const path = tempFile('Corefile', '.:1053 {\n  kubernetes cluster.local {\n    tll 30\n  }\n}\n')
    expectOneLineFailure(runCli(['-conf', path]), new RegExp(`^${path}:3: plugin/kubernetes: unknown option tll\n$`))
  })

  it('a port in use', async () => {
    const blocker = createSocket('udp4')
    await new Promise<void>((resolve) => blocker.bind(0, '127.0.0.1', resolve))
    const port = blocker.address().port
    const run = runCli(['-conf', tempFile('Corefile', demoBlock(port))])
    blocker.close()
    expectOneLineFailure(run, new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port}/udp: .*EADDRINUSE`))
  })

  it('no API configuration (not in a pod, no endpoint, no kubeconfig)', () => {
    const env = { PATH: process.env.PATH, HOME: mkdtempSync(join(tmpdir(), 'clusterdns-home-')) }
    const path = tempFile('Corefile', serverBlock(['kubernetes cluster.local']))
    expectOneLineFailure(runCli(['-conf', path], { env }), /^plugin\/kubernetes: no API server: not running in a pod \(KUBERNETES_SERVICE_HOST is unset\)/)
  })

  it('a pidfile that cannot be written', () => {
    const path = tempFile('Corefile', demoBlock(0))
    expectOneLineFailure(runCli(['-conf', path, '-pidfile', '/nonexistent/clusterdns.pid']), /^cannot write pidfile: ENOENT/)
  })

  it('a bad flag value, with usage', () => {
    const run = runCli(['-dns.port', 'x53'])
    expect(run.status).toBe(1)
    expect(run.stderr).toMatch(/^-dns\.port must be a port from 0 to 65535, not x53\nusage: clusterdns/)
  })

  it('in JSON log format, the failure is one JSON line', () => {
    const run = runCli(['-conf', '/nonexistent/Corefile', '-log.format', 'json'])
    expectOneLineFailure(run, /^\{/)
    expect(JSON.parse(run.stderr)).toMatchObject({ level: 'error', plugin: '', message: expect.stringMatching(/cannot read Corefile/) })
  })
})

describe('the launcher (bin/clusterdns.cjs) checks the Node.js version before loading the server', () => {
  const stubbed = (version: string): string[] => {
    const stub = tempFile('stub.cjs', `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} })\n`)
    return ['--require', stub]
  }
  const needed = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node

  it.each(['12.22.12', '20.20.2', '22.18.0'])('refuses Node %s, naming the version needed', (version) => {
    const run = runCli(['-version'], { script: LAUNCHER, nodeArgs: stubbed(version) })
    expect(needed).toBe('>=22.19')
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`clusterdns needs Node.js 22.19 or newer; this is Node.js ${version} (${process.execPath})\n`)
  })

  it.each(['22.19.0', '24.0.0'])('runs the server on Node %s', (version) => {
    const run = runCli(['-version'], { script: LAUNCHER, nodeArgs: stubbed(version) })
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^clusterdns-0\.1\.0\n/)
  })

  it('passes flags and the exit status through', () => {
    const run = runCli(['-conf', '/nonexistent/Corefile'], { script: LAUNCHER })
    expectOneLineFailure(run, /cannot read Corefile/)
  })
})

describe('CoreDNS flags and standard input', () => {
  it('-conf - reads the Corefile from standard input, and serves it', async () => {
    const port = await freePort()
    const cli = await serve(['-conf', '-'], { input: demoBlock(port) })
    expect(await cli.waitForOutput('clusterdns-'), cli.stderr).toBe(true)
    expect((await dig('kubernetes.default.svc.cluster.local', 'A', { port })).answer).toEqual([ANSWER])
    expect(await cli.stop()).toBe(0)
  })

  it('-conf - -validate names stdin in its errors', () => {
    const run = runCli(['-conf', '-', '-validate'], { input: '.:53 {\n  kubernetes cluster.local {\n    tll 30\n  }\n}\n' })
    expect(run.status).toBe(1)
    expect(run.stderr).toBe('stdin:3: plugin/kubernetes: unknown option tll\n')
  })

  it('-dns.port is the port of keys that name none; -pidfile holds the PID while serving; -quiet prints nothing at start', async () => {
    const port = await freePort()
    const pidfile = join(mkdtempSync(join(tmpdir(), 'clusterdns-pid-')), 'clusterdns.pid')
    const conf = tempFile('Corefile', demoBlock(0).replace(/^\.:0 /, 'cluster.local '))
    const quiet = await serve(['-conf', conf, '-dns.port', String(port), '-pidfile', pidfile, '-quiet'])
    expect(await until(async () => existsSync(pidfile), Boolean, 10_000), quiet.stderr).toBe(true)
    expect(readFileSync(pidfile, 'utf8')).toBe(`${quiet.pid}\n`)
    expect((await dig('kubernetes.default.svc.cluster.local', 'A', { port })).answer).toEqual([ANSWER])
    expect(quiet.stdout).not.toMatch(/clusterdns-|on 127\.0\.0\.1/)
    expect(await quiet.stop()).toBe(0)
    expect(existsSync(pidfile)).toBe(false)

    const loud = await serve(['-conf', conf, '-p', String(port)])
    expect(await loud.waitForOutput('clusterdns-0.1.0'), loud.stderr).toBe(true)
    expect(loud.stdout).toContain(`cluster.local.:${port} on 127.0.0.1:${port}\n`)
    expect(await loud.stop()).toBe(0)
  })
})

describe('logs', () => {
  it('-log.format json: every line one object with time, level, plugin and message', async () => {
    const port = await freePort()
    const conf = tempFile('Corefile', demoBlock(port, ['log']))
    const cli = await serve(['-conf', conf, '-log.format', 'json', '-quiet'])
    // The kubernetes line can come before the sockets are bound (-quiet prints no banner), so ask until answered.
    const answered = await until(() => dig('kubernetes.default.svc.cluster.local', 'A', { port }), (reply) => reply.status === 'NOERROR', 10_000)
    expect(answered.status, cli.stderr).toBe('NOERROR')
    expect(await cli.waitForOutput('NOERROR')).toBe(true)
    const lines = cli.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, string>)
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['time', 'level', 'plugin', 'message'])
      expect(Date.parse(line.time!)).not.toBeNaN()
    }
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', plugin: 'kubernetes', message: expect.stringMatching(/^loaded 8 services/) }))
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', plugin: '', message: expect.stringMatching(/"A IN kubernetes\.default\.svc\.cluster\.local\. udp .* NOERROR /) }))
  })

  it('CLUSTERDNS_LOG_FORMAT=json chooses JSON too', async () => {
    const run = runCli(['-conf', '/nonexistent/Corefile'], { env: { ...process.env, CLUSTERDNS_LOG_FORMAT: 'json' } })
    expect(JSON.parse(run.stderr)).toMatchObject({ level: 'error' })
  })

  it('debug: a [DEBUG] line per query naming the plugin that answered; none without it', async () => {
    const withDebug = await freePort()
    const on = await serve(['-conf', tempFile('Corefile', demoBlock(withDebug, ['debug']))])
    const without = await freePort()
    const off = await serve(['-conf', tempFile('Corefile', demoBlock(without))])
    expect(await on.waitForOutput('clusterdns-')).toBe(true)
    expect(await off.waitForOutput('clusterdns-')).toBe(true)
    await Promise.all([dig('kubernetes.default.svc.cluster.local', 'A', { port: withDebug }), dig('kubernetes.default.svc.cluster.local', 'A', { port: without })])
    await dig('nothing.default.svc.cluster.local', 'AAAA', { port: withDebug })
    expect(await on.waitForOutput('nothing.default')).toBe(true)
    expect(on.stdout).toMatch(
      new RegExp(`\\[DEBUG\\] plugin/debug: dns://127\\.0\\.0\\.1:${withDebug} udp 127\\.0\\.0\\.1:\\d+ \\d+ kubernetes\\.default\\.svc\\.cluster\\.local\\. A: NOERROR by kubernetes, 1/0/0 records, \\d+ bytes, [\\d.]+ms\n`),
    )
    expect(on.stdout).toMatch(/\[DEBUG\] plugin\/debug: .* nothing\.default\.svc\.cluster\.local\. AAAA: NXDOMAIN by kubernetes, 0\/1\/0 records/)
    expect(off.stdout).not.toContain('[DEBUG]')
  })

  it('a bad Corefile on reload is logged on one line with its level; the old one keeps serving', async () => {
    const port = await freePort()
    const conf = tempFile('Corefile', demoBlock(port, ['reload 2s 1s']))
    const cli = await serve(['-conf', conf])
    expect(await cli.waitForOutput('clusterdns-')).toBe(true)
    writeFileSync(conf, demoBlock(port, ['reload 2s 1s', block('cache 30', ['bogus']), 'nosuch']))
    expect(await cli.waitForOutput('keeping the running configuration', 10_000)).toBe(true)
    const line = cli.stdout.split('\n').find((l) => l.includes('keeping the running configuration'))!
    expect(line).toMatch(/^\[ERROR\] plugin\/reload: .*; keeping the running configuration$/)
    expect(line).toContain(`${conf}:7: unknown directive 'nosuch'`)
    expect(line).toContain(`${conf}:5: plugin/cache: unknown option bogus`)
    for (const line of cli.stdout.trimEnd().split('\n')) expect(line).toMatch(/^(\[(INFO|WARNING|ERROR|DEBUG)\] |\.?[\w.]*:\d+ on |clusterdns-)/)
    expect((await dig('kubernetes.default.svc.cluster.local', 'A', { port })).answer).toEqual([ANSWER])
  })
})
