/** Record types this server synthesises or must recognise (RFC 1035, 2782, 3596, 6891). */
export const RRType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  IXFR: 251,
  AXFR: 252,
  ANY: 255,
} as const

export const RRClass = { IN: 1, CH: 3, ANY: 255 } as const

/** EDNS0 option codes (RFC 5001 NSID, RFC 8914 extended errors). */
export const EdnsOptionCode = { NSID: 3, EXPIRE: 9, COOKIE: 10, TCP_KEEPALIVE: 11, PADDING: 12, EDE: 15 } as const

export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  /** Extended rcode 16: needs an OPT record to carry its upper bits. */
  BADVERS: 16,
} as const

export const Opcode = { QUERY: 0 } as const

/** Header flag bits (in the 16-bit flags word). */
export const Flag = {
  QR: 0x8000,
  AA: 0x0400,
  TC: 0x0200,
  RD: 0x0100,
  RA: 0x0080,
  AD: 0x0020,
  CD: 0x0010,
} as const

/** The opcode's four bits in the header's flags word. */
export const OPCODE_MASK = 0x7800

/** The DO bit in an OPT record's flags (its TTL field's low 16 bits, RFC 3225). */
export const DO_BIT = 0x8000

export const HEADER_SIZE = 12
/** The largest DNS message: its length must fit TCP's two-byte prefix (RFC 1035 4.2.2). */
export const MAX_MESSAGE = 65535
/** What a client without EDNS0 accepts over UDP (RFC 1035 4.2.1). */
export const CLASSIC_UDP_SIZE = 512
/** The EDNS0 payload size this server advertises in its own OPT record. */
export const SERVER_UDP_SIZE = 1232
