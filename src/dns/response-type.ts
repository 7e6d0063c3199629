import { HEADER_SIZE, Rcode, RRType } from './constants.js'
import { recordSpans, type RecordSpan } from './wire-ttls.js'

/** What a reply says, as CoreDNS's response.Typify names it (plugin/pkg/response/typify.go). */
export type ResponseType = 'NOERROR' | 'NXDOMAIN' | 'SERVERERROR' | 'NODATA' | 'DELEGATION' | 'META' | 'UPDATE' | 'OTHERERROR'

const OPCODE_NOTIFY = 4
const OPCODE_UPDATE = 5
const RRSIG = 46
/** RFC 4034 3.1.5: signature times are serial numbers modulo 2^32 (RFC 1982), as miekg/dns reads them. */
const YEAR68 = 2 ** 31

/**
 * The type of the reply `wire` (as sent) with its full `rcode`: a NOERROR without answers is NODATA
 * when its authority has an SOA, a delegation when it has NS; with the reply's DO bit set, an expired
 * or not yet valid RRSIG makes it OTHERERROR.
 */
export function typifyResponse(wire: Buffer, rcode: number, nowSeconds = Date.now() / 1000): ResponseType {
  const spans = wire.length >= HEADER_SIZE ? recordSpans(wire) : null
  if (!spans) return 'OTHERERROR'
  const opcode = (wire.readUInt16BE(2) >> 11) & 0xf
  if (opcode === OPCODE_UPDATE) return 'UPDATE'
  if (opcode === OPCODE_NOTIFY) return 'META'
  if (wire.readUInt16BE(4) > 0) {
    const qtype = wire.readUInt16BE(spans.questionEnd - 4)
    if (qtype === RRType.AXFR || qtype === RRType.IXFR) return 'META'
  }
  const [answer, authority, additional] = spans.sections as [RecordSpan[], RecordSpan[], RecordSpan[]]
  const opt = additional.find((r) => r.type === RRType.OPT)
  const dnssecOk = opt !== undefined && (wire.readUInt16BE(opt.rdlengthAt - 2) & 0x8000) !== 0
  if (dnssecOk && [answer, authority, additional].some((section) => section.some((r) => r.type === RRSIG && !signatureValid(wire, r.rdlengthAt + 2, nowSeconds)))) {
    return 'OTHERERROR'
  }
  if (answer.length > 0 && rcode === Rcode.NOERROR) return 'NOERROR'
  if (answer.length > 0 && rcode === Rcode.NXDOMAIN) return 'OTHERERROR'
  if (rcode === Rcode.NOERROR && authority.some((r) => r.type === RRType.SOA)) return 'NODATA'
  if (rcode === Rcode.NXDOMAIN) return 'NXDOMAIN'
  if (rcode === Rcode.SERVFAIL || rcode === Rcode.NOTIMP) return 'SERVERERROR'
  if (rcode === Rcode.NOERROR && authority.some((r) => r.type === RRType.NS)) return 'DELEGATION'
  return rcode === Rcode.NOERROR ? 'NOERROR' : 'OTHERERROR'
}

/** An RRSIG's validity period holds `now` (miekg/dns RRSIG.ValidityPeriod); rdata starts at `rdata`. */
function signatureValid(wire: Buffer, rdata: number, now: number): boolean {
  if (rdata + 16 > wire.length) return false
  const expiration = wire.readUInt32BE(rdata + 8)
  const inception = wire.readUInt32BE(rdata + 12)
  const t = Math.floor(now)
  const ti = inception + Math.trunc((inception - t) / YEAR68) * YEAR68
  const te = expiration + Math.trunc((expiration - t) / YEAR68) * YEAR68
  return ti <= t && t <= te
}
