#!/usr/bin/env node
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadServerPlan } from './server/server-plan.js'
import { ClusterDnsError, ErrorCode, isError, UsageError } from './errors.js'
import { createLogger } from './log.js'
import { Runtime } from './server/runtime.js'
import { hostPort } from './dns/address.js'
import { zoneText } from './dns/names.js'

const USAGE = `usage: clusterdns [-conf FILE] [-validate] [-version]
  -conf FILE   the Corefile to load (default: ./Corefile)
  -validate    check the Corefile, print every problem, exit non-zero on any
  -version     print the version and exit`

interface Cli {
  readonly conf: string
  readonly validate: boolean
  readonly version: boolean
}

/** Go-style flags, as CoreDNS takes them: `-conf F`, `--conf F`, `-conf=F`. */
function parseCli(argv: readonly string[]): Cli {
  let conf = 'Corefile'
  let validate = false
  let version = false
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.replace(/^--?/, '-').split(/=(.*)/s, 2) as [string, string | undefined]
    switch (flag) {
      case '-conf': {
        const value = inline ?? argv[++i]
        if (value === undefined) throw new UsageError('-conf needs a file')
        conf = value
        break
      }
      case '-validate':
        validate = true
        break
      case '-version':
        version = true
        break
      case '-h':
      case '-help':
        process.stdout.write(`${USAGE}\n`)
        process.exit(0)
      default:
        throw new UsageError(`unknown flag ${argv[i]}`)
    }
  }
  return { conf, validate, version }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2))
  const version = packageVersion()
  if (cli.version) {
    process.stdout.write(`clusterdns-${version}\n${process.platform}/${process.arch}, node ${process.version}\n`)
    return 0
  }
  const log = createLogger('')
  const warn = (message: string): void => log.warn(message)
  const conf = resolve(cli.conf)
  if (cli.validate) {
    loadServerPlan(conf, { warn })
    process.stdout.write(`${conf}: OK\n`)
    return 0
  }
  const runtime = new Runtime(conf, version)
  runtime.lifecycle.fatal = (message) => {
    log.error(message)
    process.exit(1)
  }
  await runtime.start()
  for (const bound of runtime.dns.addresses) {
    const where = hostPort(bound.address === '' ? '*' : bound.address, bound.port)
    for (const zone of bound.zones) process.stdout.write(`${zoneText(zone)}:${bound.port} on ${where}\n`)
  }
  process.stdout.write(`clusterdns-${version}\n`)

  const stop = (signal: string): void => {
    log.info(`${signal}: shutting down`)
    runtime.shutdown().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  return -1
}

// A bug must not take the server down silently; say where it came from and keep serving.
process.on('unhandledRejection', (reason) => createLogger('').error(`unhandled rejection: ${(reason as Error)?.stack ?? reason}`))

main().then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (err: unknown) => {
    if (err instanceof ClusterDnsError) {
      process.stderr.write(`${err.message}\n`)
      if (isError(err, ErrorCode.USAGE)) process.stderr.write(`${USAGE}\n`)
      process.exit(1)
    }
    throw err
  },
)
