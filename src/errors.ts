/** Base of every error this server raises on purpose; callers branch on `code`, never on text. */
export class ClusterDnsError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** Where in a configuration file something was found. */
export interface SourcePosition {
  readonly file: string
  readonly line: number
}

/** A Corefile problem; the message always starts with `file:line:`. */
export class ConfigError extends ClusterDnsError {
  readonly file: string
  readonly line: number
  constructor(position: SourcePosition, message: string) {
    super('CDNS_ERR_CONFIG', `${position.file}:${position.line}: ${message}`)
    this.file = position.file
    this.line = position.line
  }
}

/** Several Corefile problems found in one pass, so `-validate` can list them all. */
export class ConfigErrorList extends ClusterDnsError {
  readonly errors: readonly ConfigError[]
  constructor(errors: readonly ConfigError[]) {
    super('CDNS_ERR_CONFIG', errors.map((e) => e.message).join('\n'))
    this.errors = errors
  }
}

/** A manifest file (the `manifests` source) that could not be read or parsed. */
export class ManifestError extends ClusterDnsError {
  constructor(file: string, message: string, options?: ErrorOptions) {
    super('CDNS_ERR_MANIFEST', `${file}: ${message}`, options)
  }
}

/** Listening on an address failed (in use, not permitted, no such address). */
export class ListenError extends ClusterDnsError {
  constructor(message: string, options?: ErrorOptions) {
    super('CDNS_ERR_LISTEN', message, options)
  }
}
