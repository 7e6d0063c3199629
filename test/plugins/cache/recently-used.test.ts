import { describe, expect, it } from 'vitest'
import { RecentlyUsed } from '../../../src/plugins/cache/recently-used.js'

describe('RecentlyUsed', () => {
  it('lets the least recently used entry go past its size, a read counting as a use, and says so', () => {
    let evicted = 0
    const cache = new RecentlyUsed<string, number>(3, () => evicted++)
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) cache.set(k, v)
    expect(cache.get('a')).toBe(1)
    cache.set('d', 4)
    expect([cache.get('b'), evicted, cache.size]).toEqual([undefined, 1, 3])
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4])
    // Replacing a key is a use, not a new entry: nothing goes.
    cache.set('a', 10)
    expect([cache.size, evicted]).toEqual([3, 1])
    cache.set('e', 5)
    expect([cache.get('c'), cache.get('d'), cache.get('a'), evicted]).toEqual([undefined, 4, 10, 2])
    expect(cache.delete('d')).toBe(true)
    expect([cache.get('d'), cache.size]).toEqual([undefined, 2])
  })
})
