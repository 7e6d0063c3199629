/** How the DNS listeners of one address and port treat their clients (`timeouts`, `limits`). */
export interface TransportSettings {
  /** A TCP connection's first query, and any query once its first byte came, must be whole within this. */
  readonly readTimeoutMs: number
  /** A reply not taken by the client (its receive window full) within this closes the connection. */
  readonly writeTimeoutMs: number
  /** A TCP connection with nothing to answer and nothing arriving is closed after this. */
  readonly idleTimeoutMs: number
  /** Queries answered on one TCP connection before it is closed; -1: no limit. */
  readonly maxTcpQueries: number
  /** Open TCP connections; at the cap a new one replaces the longest idle. */
  readonly maxTcpConnections: number
  /** The UDP socket's receive buffer in bytes (the kernel caps it at net.core.rmem_max). */
  readonly udpReceiveBuffer: number
}

/** CoreDNS's TCP timeouts (3 s read, 5 s write, 10 s idle; no query limit). */
export const DEFAULT_TRANSPORT: TransportSettings = {
  readTimeoutMs: 3000,
  writeTimeoutMs: 5000,
  idleTimeoutMs: 10_000,
  maxTcpQueries: -1,
  maxTcpConnections: 1000,
  // Room for a burst of ~5,000 small queries (the kernel counts ~800 bytes per datagram).
  udpReceiveBuffer: 4 * 1024 * 1024,
}
