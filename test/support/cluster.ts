import { fileURLToPath } from 'node:url'
import type { DigReply } from './dig.js'
import { expect } from 'vitest'

/** The demo cluster and the corner cases the contract tests add to it. */
export const DEMO_CLUSTER = fileURLToPath(new URL('../../examples/demo-cluster.yaml', import.meta.url))
export const LAB_CLUSTER = fileURLToPath(new URL('../fixtures/lab-cluster.yaml', import.meta.url))
/** A pod at 127.0.0.1 in namespace lab: the client of the autopath tests. */
export const AUTOPATH_CLIENT = fileURLToPath(new URL('../fixtures/autopath-client.yaml', import.meta.url))

/** A record line as the dig helper normalizes it. */
export const rr = (name: string, type: string, data: string, ttl = 5): string => `${name}. ${ttl} IN ${type} ${data}`

export const soa = (zone = 'cluster.local', ttl = 5): string =>
  `${zone}. ${ttl} IN SOA ns.dns.${zone}. hostmaster.${zone}. <serial> 7200 1800 86400 ${ttl}`

interface Expected {
  status: string
  answer?: string[]
  authority?: string[]
  additional?: string[]
}

/** Compares a whole reply: status and every section (sorted); unspecified sections must be empty. */
export function expectReply(reply: DigReply, expected: Expected): void {
  expect({
    status: reply.status,
    answer: reply.answer,
    authority: reply.authority,
    additional: reply.additional,
  }).toEqual({
    status: expected.status,
    answer: [...(expected.answer ?? [])].sort(),
    authority: [...(expected.authority ?? [])].sort(),
    additional: [...(expected.additional ?? [])].sort(),
  })
}

/** NXDOMAIN with the zone's SOA in authority. */
export function expectNxdomain(reply: DigReply, zone = 'cluster.local', ttl = 5): void {
  expectReply(reply, { status: 'NXDOMAIN', authority: [soa(zone, ttl)] })
}

/** NOERROR, no answer, the zone's SOA in authority. */
export function expectNodata(reply: DigReply, zone = 'cluster.local', ttl = 5): void {
  expectReply(reply, { status: 'NOERROR', authority: [soa(zone, ttl)] })
}
