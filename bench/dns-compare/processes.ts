import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** CPU time in /proc/PID/stat is in clock ticks: 100 a second on Linux (USER_HZ). */
const TICKS_PER_SECOND = 100

/** A process the bench started, in a process group of its own (pgid = pid). */
export interface Started {
  readonly name: string
  readonly child: ChildProcess
  readonly output: () => string
}

const running = new Set<Started>()

/**
 * Starts `argv` pinned to `core` (taskset), in its own process group so that it and every process it
 * forks (NSD's server children) are measured and stopped together.
 */
export function start(name: string, argv: readonly string[], core: number, options: { stdout?: number } = {}): Started {
  const child = spawn('taskset', ['-c', String(core), ...argv], { detached: true, stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (d) => (output = (output + d).slice(-20_000)))
  child.stderr!.on('data', (d) => (output = (output + d).slice(-20_000)))
  const started = { name, child, output: () => output }
  running.add(started)
  child.once('exit', () => running.delete(started))
  return started
}

/** Stops a process group: SIGTERM, then SIGKILL for what is left after `graceMs`. */
export async function stop(started: Started, graceMs = 2000): Promise<void> {
  const pid = started.child.pid!
  signalGroup(pid, 'SIGTERM')
  const exited = started.child.exitCode !== null || started.child.signalCode !== null
  if (!exited) await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs)
    started.child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
  })
  // The group may hold children that outlive the leader.
  signalGroup(pid, 'SIGKILL')
  running.delete(started)
}

/** Every group still running: killed outright (on failure, on Ctrl-C, at exit). */
export function stopAllNow(): void {
  for (const started of running) signalGroup(started.child.pid!, 'SIGKILL')
  running.clear()
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // Already gone.
  }
}

/** The pids of a process group, from /proc. */
function groupPids(pgid: number): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const fields = statFields(Number(entry))
    if (fields && Number(fields[2]) === pgid) pids.push(Number(entry))
  }
  return pids
}

/** /proc/PID/stat after the command name (field 3, state, is index 0), or null if it is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

/** User + system CPU seconds of every process in the group (all threads), so far. */
export function groupCpuSeconds(started: Started): number {
  let ticks = 0
  for (const pid of groupPids(started.child.pid!)) {
    const fields = statFields(pid)
    // utime and stime are fields 14 and 15.
    if (fields) ticks += Number(fields[11]) + Number(fields[12])
  }
  return ticks / TICKS_PER_SECOND
}

/** Resident memory of the group, in MiB. */
export function groupRssMiB(started: Started): number {
  let kib = 0
  for (const pid of groupPids(started.child.pid!)) {
    try {
      kib += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0)
    } catch {
      // Exited between the two reads.
    }
  }
  return kib / 1024
}

/** Busy (not idle, not waiting for I/O) CPU seconds of one core since boot, from /proc/stat. */
export function coreBusySeconds(core: number): number {
  const line = readFileSync('/proc/stat', 'latin1').split('\n').find((l) => l.startsWith(`cpu${core} `))!
  const ticks = line.split(/\s+/).slice(1).map(Number)
  // user nice system idle iowait irq softirq steal …
  return (ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!) / TICKS_PER_SECOND
}
