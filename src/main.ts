import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { hostPort } from './dns/address.js'
import { zoneText } from './dns/names.js'
import { ClusterDnsError, ConfigError, ErrorCode, isError, StartupError, UsageError } from './errors.js'
import { createLogger, formatLogLine, LOG_FORMATS, setLogFormat, type LogFormat } from './log.js'
import { Runtime } from './server/runtime.js'
import { loadServerPlan } from './server/server-plan.js'
import { packageVersion } from './version.js'
import { explainCommand } from './plugins/explain/cli.js'

const USAGE = `usage: clusterdns [-conf FILE] [-dns.port PORT] [-pidfile FILE] [-quiet] [-log.format text|json] [-validate] [-version]
       clusterdns explain NAME [TYPE] [--client IP] [--server URL] [--json]   (asks a running server why)
  -conf FILE           the Corefile to load (default: ./Corefile); - or stdin reads it from standard input
  -dns.port PORT       the port of server blocks whose address names none (default: 53); also -p
  -pidfile FILE        write the process ID to FILE once serving; removed on exit
  -quiet               no start-up output (the addresses served and the version); log lines still go out
  -log.format FORMAT   text ([INFO] plugin/NAME: message) or json (one object per line); default:
                       $CLUSTERDNS_LOG_FORMAT, else text
  -validate            check the Corefile, print every problem, exit non-zero on any
  -version             print the version and exit`

interface Cli {
  readonly conf: string
  readonly dnsPort: number | undefined
  readonly pidfile: string | undefined
  readonly quiet: boolean
  readonly logFormat: LogFormat
  readonly validate: boolean
  readonly version: boolean
}

function logFormatOf(text: string, from: string): LogFormat {
  if (!(LOG_FORMATS as readonly string[]).includes(text)) throw new UsageError(`${from} must be one of ${LOG_FORMATS.join(', ')}, not ${text}`)
  return text as LogFormat
}

/** Go-style flags, as CoreDNS takes them: `-conf F`, `--conf F`, `-conf=F`; booleans also `-quiet=false`. */
function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): Cli {
  const cli = {
    conf: 'Corefile',
    dnsPort: undefined as number | undefined,
    pidfile: undefined as string | undefined,
    quiet: false,
    logFormat: env.CLUSTERDNS_LOG_FORMAT ? logFormatOf(env.CLUSTERDNS_LOG_FORMAT, 'CLUSTERDNS_LOG_FORMAT') : ('text' as LogFormat),
    validate: false,
    version: false,
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.replace(/^--?/, '-').split(/=(.*)/s, 2) as [string, string | undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined) throw new UsageError(`${flag} needs a value`)
      return v
    }
    const bool = (): boolean => {
      if (inline === undefined || inline === 'true') return true
      if (inline === 'false') return false
      throw new UsageError(`${flag} takes true or false, not ${inline}`)
    }
    switch (flag) {
      case '-conf':
        cli.conf = value()
        break
      case '-dns.port':
      case '-p': {
        const port = value()
        if (!/^\d+$/.test(port) || Number(port) > 65535) throw new UsageError(`${flag} must be a port from 0 to 65535, not ${port}`)
        cli.dnsPort = Number(port)
        break
      }
      case '-pidfile':
        cli.pidfile = value()
        break
      case '-quiet':
        cli.quiet = bool()
        break
      case '-log.format':
        cli.logFormat = logFormatOf(value(), flag)
        break
      case '-validate':
        cli.validate = bool()
        break
      case '-version':
        cli.version = bool()
        break
      case '-h':
      case '-help':
        process.stdout.write(`${USAGE}\n`)
        process.exit(0)
      default:
        throw new UsageError(argv[i]!.startsWith('-') ? `unknown flag ${argv[i]}` : `extra command line argument ${argv[i]}`)
    }
  }
  return cli
}

/** Where the Corefile comes from: a file, or (`-conf -`, CoreDNS's `-conf stdin`) standard input. */
function corefileSource(conf: string): { path: string; text?: string } {
  if (conf !== '-' && conf !== 'stdin') return { path: resolve(conf) }
  try {
    return { path: 'stdin', text: readFileSync(0, 'utf8') }
  } catch (err) {
    throw new ConfigError({ file: 'stdin', line: 0 }, `cannot read Corefile: ${(err as Error).message}`)
  }
}

/** Runs the CLI; resolves to an exit status, or null while the server runs. */
async function main(cli: Cli): Promise<number | null> {
  const version = packageVersion()
  if (cli.version) {
    process.stdout.write(`clusterdns-${version}\n${process.platform}/${process.arch}, node ${process.version}\n`)
    return 0
  }
  const log = createLogger('')
  const source = corefileSource(cli.conf)
  if (cli.validate) {
    loadServerPlan(source.path, { text: source.text, defaultPort: cli.dnsPort, warn: (message) => log.warn(message) })
    process.stdout.write(`${source.path}: OK\n`)
    return 0
  }
  const runtime = new Runtime(source.path, version, { text: source.text, defaultPort: cli.dnsPort })
  runtime.lifecycle.fatal = (message) => {
    log.error(message)
    process.exit(1)
  }
  await runtime.start()
  if (cli.pidfile !== undefined) writePidfile(cli.pidfile)
  if (!cli.quiet) {
    for (const bound of runtime.dns.addresses) {
      const where = hostPort(bound.address === '' ? '*' : bound.address, bound.port)
      for (const zone of bound.zones) process.stdout.write(`${zoneText(zone)}:${bound.port} on ${where}\n`)
    }
    process.stdout.write(`clusterdns-${version}\n`)
  }

  const stop = (signal: string): void => {
    log.info(`${signal}: shutting down`)
    runtime.shutdown().then(
      () => exit(0),
      () => exit(1),
    )
  }
  const exit = (code: number): void => {
    if (cli.pidfile !== undefined) rmSync(cli.pidfile, { force: true })
    process.exit(code)
  }
  process.once('SIGTERM', () => stop('SIGTERM'))
  process.once('SIGINT', () => stop('SIGINT'))
  return null
}

function writePidfile(path: string): void {
  try {
    writeFileSync(path, `${process.pid}\n`)
  } catch (err) {
    throw new StartupError(`cannot write pidfile: ${(err as Error).message}`)
  }
}

let cli: Cli | null = null
let started = false
/** Start-up failures: one line on standard error (a JSON line with `-log.format json`), exit 1. */
const fail = (message: string, usage = false): never => {
  const lines = cli?.logFormat === 'json' ? message.split('\n').map((m) => formatLogLine('error', '', m)) : [message]
  process.stderr.write(`${lines.join('\n')}\n${usage ? `${USAGE}\n` : ''}`)
  process.exit(1)
}

// Once serving, a bug in a background task must not take the server down silently: say where it
// came from and keep serving. Before that, any failure ends the start-up.
process.on('unhandledRejection', (reason) => {
  if (!started) fail(`start-up failed: ${(reason as Error)?.message ?? reason}`)
  createLogger('').error(`unhandled rejection: ${(reason as Error)?.stack ?? reason}`)
})

// `clusterdns explain …` asks a running server; it starts none.
if (process.argv[2] === 'explain') {
  explainCommand(process.argv.slice(3), (text) => process.stdout.write(text), (line) => process.stderr.write(`${line}\n`)).then(
    (code) => process.exit(code),
    (err: unknown) => fail((err as Error).message, isError(err, ErrorCode.USAGE)),
  )
} else {
  try {
    cli = parseCli(process.argv.slice(2), process.env)
    setLogFormat(cli.logFormat)
  } catch (err) {
    fail((err as Error).message, isError(err, ErrorCode.USAGE))
  }
  main(cli!).then(
    (code) => {
      started = true
      if (code !== null) process.exit(code)
    },
    (err: unknown) => fail(err instanceof ClusterDnsError ? err.message : `start-up failed: ${(err as Error)?.message ?? err}`),
  )
}
