import { describe, expect, it } from 'vitest'
import { clusterKubernetes, serverBlock } from '../../support/corefile.js'
import { serverForFile } from '../../support/dns-server.js'

describe('loadbalance', () => {
  const server = serverForFile(serverBlock(['loadbalance', clusterKubernetes()]))

  it('answers the same records in varying order', async () => {
    const replies = await Promise.all([1, 2, 3].map(() => server().ask('big.lab.svc.cluster.local', 'A', { tcp: true })))
    // `answer` is sorted for comparison; the raw output keeps the order the server sent.
    const orders = replies.map((r) => r.raw.split('\n').filter((l) => /\sIN\s+A\s/.test(l)).join('\n'))
    expect(new Set(orders).size).toBeGreaterThan(1)
    for (const r of replies) expect(r.answer).toEqual(replies[0]!.answer)
    expect(replies[0]!.answer).toHaveLength(60)
  })
})
