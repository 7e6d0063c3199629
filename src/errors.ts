import { escapeText } from './dns/names.js'

/**
 * Every error this server raises on purpose, in one catalogue. Each has a stable `code`; callers
 * branch on the code (`isError(err, ErrorCode.CONFIG)`), never on the message text.
 */
export const ErrorCode = {
  /** A Corefile problem (grammar, unknown directive, bad argument). */
  CONFIG: 'CDNS_ERR_CONFIG',
  /** A command-line flag the server does not take, or one missing its value. */
  USAGE: 'CDNS_ERR_USAGE',
  /** Something else the server needs to start (its pidfile) could not be had. */
  STARTUP: 'CDNS_ERR_STARTUP',
  /** A manifest file that cannot be read or parsed. */
  MANIFEST: 'CDNS_ERR_MANIFEST',
  /** Listening on an address failed. */
  LISTEN: 'CDNS_ERR_LISTEN',
  /** An API object that cannot be turned into records. */
  INVALID_OBJECT: 'CDNS_ERR_INVALID_OBJECT',
  /** A label selector that does not parse. */
  SELECTOR: 'CDNS_ERR_SELECTOR',
  /** No usable way to reach the Kubernetes API. */
  API_CONFIG: 'CDNS_ERR_API_CONFIG',
  /** The Kubernetes API answered a request with an error status (403, 410, 500...). */
  API_STATUS: 'CDNS_ERR_API_STATUS',
  /** An upstream resolver gave no reply in time. */
  UPSTREAM_TIMEOUT: 'CDNS_ERR_UPSTREAM_TIMEOUT',
  /** An upstream resolver failed otherwise (refused, reset, unreachable). */
  UPSTREAM: 'CDNS_ERR_UPSTREAM',
  /** A name the encoder will not write (a label over 63 bytes, over 255 in all). */
  NAME_ENCODING: 'CDNS_ERR_NAME_ENCODING',
  /** An upstream resolver closed a TCP connection without answering (it is up: not counted as down). */
  UPSTREAM_CLOSED: 'CDNS_ERR_UPSTREAM_CLOSED',
  /** A store snapshot that cannot be read, or is truncated, corrupt or of another version. */
  SNAPSHOT: 'CDNS_ERR_SNAPSHOT',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** Base of every error this server raises on purpose. */
export class ClusterDnsError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** Whether `err` is one of ours with `code`. */
export function isError(err: unknown, code: ErrorCode): err is ClusterDnsError {
  return err instanceof ClusterDnsError && err.code === code
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
  /** The message without its position. */
  readonly detail: string
  constructor(position: SourcePosition, detail: string) {
    super(ErrorCode.CONFIG, `${position.file}:${position.line}: ${detail}`)
    this.file = position.file
    this.line = position.line
    this.detail = detail
  }

  /** The same problem, said to come from `source` (`plugin/cache`): `file:line: plugin/cache: ...`. */
  within(source: string): ConfigError {
    return new ConfigError(this, `${source}: ${this.detail}`)
  }
}

/** Several Corefile problems found in one pass, so `-validate` can list them all. */
export class ConfigErrorList extends ClusterDnsError {
  readonly errors: readonly ConfigError[]
  constructor(errors: readonly ConfigError[]) {
    super(ErrorCode.CONFIG, errors.map((e) => e.message).join('\n'))
    this.errors = errors
  }
}

/** The Corefile problems `err` holds (itself, or a list's); anything else is thrown again. */
export function configProblems(err: unknown): readonly ConfigError[] {
  if (err instanceof ConfigErrorList) return err.errors
  if (err instanceof ConfigError) return [err]
  throw err
}

export class UsageError extends ClusterDnsError {
  constructor(message: string) {
    super(ErrorCode.USAGE, message)
  }
}

export class StartupError extends ClusterDnsError {
  constructor(message: string) {
    super(ErrorCode.STARTUP, message)
  }
}

/** A manifest file (the `manifests` source) that could not be read or parsed. */
export class ManifestError extends ClusterDnsError {
  /** What is wrong, without the file's name (as said: not escaped). */
  readonly detail: string
  constructor(file: string, detail: string, options?: ErrorOptions) {
    // The parser's message quotes the file (an alias name, say): escaped, so a log line cannot be forged.
    super(ErrorCode.MANIFEST, escapeText(`${file}: ${detail}`), options)
    this.detail = detail
  }
}

/** Listening on an address failed (in use, not permitted, no such address). */
export class ListenError extends ClusterDnsError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.LISTEN, message, options)
  }
}

/** An API object that cannot be turned into records; it is skipped, the rest are kept. */
export class InvalidObjectError extends ClusterDnsError {
  constructor(kind: string, ref: string, reason: string) {
    // Its text comes from the API or a file: escaped, so a log line cannot be forged.
    super(ErrorCode.INVALID_OBJECT, escapeText(`${kind} ${ref}: ${reason}`))
  }
}

export class SelectorError extends ClusterDnsError {
  constructor(message: string) {
    super(ErrorCode.SELECTOR, message)
  }
}

export class ApiConfigError extends ClusterDnsError {
  constructor(message: string) {
    super(ErrorCode.API_CONFIG, `plugin/kubernetes: ${message}`)
  }
}

/** A request the Kubernetes API answered with an error status; keeps what the API said (its Status message). */
export class ApiStatusError extends ClusterDnsError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly apiMessage: string,
  ) {
    super(ErrorCode.API_STATUS, `HTTP ${status}${reason ? ` ${reason}` : ''}${apiMessage ? `: ${apiMessage}` : ''}`)
  }
}

/**
 * Upstream failures carry the text CoreDNS's errors plugin logs for them, Go's (`read udp
 * 10.0.0.1:40266->10.0.0.2:53: i/o timeout`), so log-based alerts written for CoreDNS match.
 */
export class UpstreamTimeoutError extends ClusterDnsError {
  constructor(goText: string) {
    super(ErrorCode.UPSTREAM_TIMEOUT, goText)
  }
}

export class UpstreamError extends ClusterDnsError {
  constructor(goText: string) {
    super(ErrorCode.UPSTREAM, goText)
  }
}

/**
 * A name the encoder refuses to write (a label over 63 bytes, an empty label, over 255 bytes in
 * all): a bug before the encoder, answered SERVFAIL rather than with a malformed reply.
 */
export class NameEncodingError extends ClusterDnsError {
  readonly dnsName: string
  constructor(name: string) {
    super(ErrorCode.NAME_ENCODING, 'name cannot be written in wire form')
    this.dnsName = name
  }
}

/**
 * An upstream closed a TCP connection without answering: it is up (it took the connection), it did
 * not like this query or this connection. Not counted towards marking it down.
 */
export class UpstreamClosedError extends ClusterDnsError {
  constructor() {
    // Go's io.EOF, what CoreDNS reports for it.
    super(ErrorCode.UPSTREAM_CLOSED, 'EOF')
  }
}

/** A store snapshot refused: nothing of it is loaded. */
export class SnapshotError extends ClusterDnsError {
  constructor(file: string, reason: string, options?: ErrorOptions) {
    super(ErrorCode.SNAPSHOT, `snapshot ${file}: ${reason}`, options)
  }
}
