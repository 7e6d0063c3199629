import { createRequire } from 'node:module'

/*
 * node:http, loaded as CommonJS. An ESM import of it builds the module's namespace, which reads
 * every export, and its lazy WebSocket, CloseEvent and MessageEvent getters then load undici, http2,
 * zlib and worker_threads: a bare Node 24 process that does `import 'node:http'` idles at 59 MiB
 * RSS, one that does `require('node:http')` at 46; the idle server (which loads https anyway) at
 * 3 MiB less.
 */
export const http = createRequire(import.meta.url)('node:http') as typeof import('node:http')
