import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { until } from './until.js'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const MAIN = join(ROOT, 'dist', 'main.js')
export const LAUNCHER = join(ROOT, 'bin', 'clusterdns.cjs')

export interface CliOptions {
  readonly cwd?: string
  readonly env?: NodeJS.ProcessEnv
  readonly input?: string
  /** Node options before the script (`--require stub.cjs`). */
  readonly nodeArgs?: readonly string[]
  readonly script?: string
}

/** Runs the CLI to its end (`-validate`, `-version`, a start-up that fails). */
export function runCli(args: readonly string[], options: CliOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [...(options.nodeArgs ?? []), options.script ?? MAIN, ...args], {
    encoding: 'utf8',
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    input: options.input,
    timeout: 30_000,
  })
}

export interface RunningCli {
  readonly pid: number
  stdout: string
  stderr: string
  readonly exited: Promise<number | null>
  /** Waits until standard output holds `text` (or the process ended); says whether it does. */
  waitForOutput(text: string, ms?: number): Promise<boolean>
  /** Sends `signal` to the process group and waits for the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts the CLI as a server in its own process group, so stopping it stops all it started. */
export function startCli(args: readonly string[], options: CliOptions = {}): RunningCli {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.script ?? MAIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  })
  child.stdin.end(options.input ?? '')
  let ended = false
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => ((ended = true), resolve(code))))
  const running: RunningCli = {
    pid: child.pid!,
    stdout: '',
    stderr: '',
    exited,
    waitForOutput: async (text, ms = 10_000) => (await until(async () => running.stdout.includes(text) || ended, Boolean, ms)) && running.stdout.includes(text),
    stop: async (signal = 'SIGTERM') => {
      if (!ended) process.kill(-child.pid!, signal)
      return exited
    },
  }
  child.stdout.on('data', (d) => (running.stdout += d))
  child.stderr.on('data', (d) => (running.stderr += d))
  return running
}

/** A file of `text` named `name` in a new temporary folder. */
export function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'clusterdns-cli-')), name)
  writeFileSync(path, text)
  return path
}
