import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setLogSink } from '../../src/log.js'
import { Runtime } from '../../src/server/runtime.js'
import { dig, type DigOptions, type DigReply } from './dig.js'
import { startedForAll, stoppedAfterEach } from './lifetimes.js'

/** Log lines of servers started in this test file. */
export const logLines: string[] = []
setLogSink((line) => logLines.push(line))

export interface RunningServer {
  readonly port: number
  readonly dir: string
  readonly runtime: Runtime
  ask(name: string, type: string, options?: Omit<DigOptions, 'port'>): Promise<DigReply>
  stop(): Promise<void>
}

/**
 * Starts a real server (UDP and TCP on 127.0.0.1, a free port) from a Corefile body, in a fresh
 * folder holding `files` (manifests and imports), exactly as the CLI would load it.
 */
export async function startServer(corefile: string, files: Record<string, string> = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdns-test-'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  const path = join(dir, 'Corefile')
  writeFileSync(path, corefile)
  const runtime = new Runtime(path, 'test')
  await runtime.start()
  const port = runtime.dns.addresses[0]!.port
  let stopped: Promise<void> | undefined
  return {
    port,
    dir,
    runtime,
    ask: (name, type, options = {}) => dig(name, type, { ...options, port }),
    // Once: a test may stop a server itself before the helpers below stop it again.
    stop: () => (stopped ??= runtime.shutdown()),
  }
}

/** For a file whose tests start their own servers: `startServer`, each stopped after its test. */
export const serverForEach = (): typeof startServer => stoppedAfterEach(startServer, (server) => server.stop())

/** One server from `corefile` for all the tests of the calling file (or describe block). */
export const serverForFile = (corefile: string, files?: Record<string, string>): (() => RunningServer) =>
  startedForAll(() => startServer(corefile, files), (server) => server.stop())
