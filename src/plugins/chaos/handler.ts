import { hostname } from 'node:os'
import { Rcode, RRClass, RRType } from '../../dns/constants.js'
import type { ResourceRecord } from '../../dns/message.js'
import { shuffleInPlace } from '../../random.js'
import type { Middleware } from '../plugin.js'

/** A character-string holds at most 255 bytes; CoreDNS cuts longer texts. */
export const trim = (text: string): string => (Buffer.byteLength(text) < 256 ? text : Buffer.from(text).subarray(0, 255).toString())

/**
 * TXT questions in class CH for version.bind, version.server, authors.bind, hostname.bind and
 * id.server, answered as BIND does; every other question goes on.
 */
export function chaosMiddleware(version: string, authors: readonly string[]): Middleware {
  return (next) => (query) => {
    if (query.class !== RRClass.CH || query.type !== RRType.TXT) return next(query)
    let texts: string[]
    switch (query.lowerName) {
      case 'authors.bind':
        texts = shuffleInPlace([...authors])
        break
      case 'version.bind':
      case 'version.server':
        texts = [version]
        break
      case 'hostname.bind':
      case 'id.server':
        texts = [trim(hostname() || 'localhost')]
        break
      default:
        return next(query)
    }
    const answer = texts.map((text): ResourceRecord => ({ name: query.name, type: RRType.TXT, class: RRClass.CH, ttl: 0, texts: [text] }))
    return { rcode: Rcode.NOERROR, authoritative: false, answer, authority: [], additional: [], plugin: 'chaos' }
  }
}
