/** A plugin that reports readiness, by its directive name. */
export interface ReadinessReporter {
  readonly name: string
  ready(): boolean
}

/** The process's state that /ready reports: what is not ready yet, and whether it is stopping. */
export class Lifecycle {
  shuttingDown = false
  /** What a plugin calls when the server must not go on (a forwarding loop): the CLI exits. */
  fatal: (message: string) => void = (message) => {
    throw new Error(message)
  }
  private reporters: readonly ReadinessReporter[] = []

  /** The reporters of the configuration now serving (replaced on reload). */
  use(reporters: readonly ReadinessReporter[]): void {
    this.reporters = reporters
  }

  /**
   * Names of the plugins not ready yet, each once. Reporters in `settled` are not asked; with
   * `settled` given, those found ready are added to it (`ready { monitor until-ready }`).
   */
  notReady(settled?: WeakSet<ReadinessReporter>): string[] {
    const waiting = this.reporters.filter((r) => {
      if (settled?.has(r)) return false
      if (!r.ready()) return true
      settled?.add(r)
      return false
    })
    return [...new Set(waiting.map((r) => r.name))]
  }
}
