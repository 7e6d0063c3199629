/** What each request to the API carries: TLS material and headers (credentials). */
export interface RequestCredentials {
  readonly ca?: string | Buffer | Array<string | Buffer>
  readonly cert?: string | Buffer
  readonly key?: string | Buffer
  readonly rejectUnauthorized?: boolean
  readonly servername?: string
  readonly headers: Readonly<Record<string, string>>
}

/** Where the API is and the credentials of the next request (tokens rotate, so asked per request). */
export interface ApiTarget {
  readonly server: URL
  credentials(): Promise<RequestCredentials>
}
