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

  it('agrees with a plain list in use order over 20,000 random gets, sets and deletes, and lets its entries go in that order', () => {
    let evicted = 0
    const cache = new RecentlyUsed<number, number>(50, () => evicted++)
    // The model: keys from least to most recently used.
    const order: number[] = []
    const values = new Map<number, number>()
    let modelEvicted = 0
    // xorshift32 with a fixed seed: the same operations every run.
    let state = 7
    const random = (n: number): number => {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return (state >>> 0) % n
    }
    const use = (key: number): void => {
      order.splice(order.indexOf(key), 1)
      order.push(key)
    }
    for (let i = 0; i < 20_000; i++) {
      const key = random(200)
      const op = random(4)
      if (op === 0) {
        expect(cache.get(key)).toBe(values.get(key))
        if (values.has(key)) use(key)
      } else if (op < 3) {
        cache.set(key, i)
        if (values.has(key)) use(key)
        else order.push(key)
        values.set(key, i)
        if (order.length > 50) {
          values.delete(order.shift()!)
          modelEvicted++
        }
      } else {
        expect(cache.delete(key)).toBe(values.delete(key))
        if (order.includes(key)) order.splice(order.indexOf(key), 1)
      }
      expect(cache.size).toBe(order.length)
    }
    expect(evicted).toBe(modelEvicted)
    expect(modelEvicted).toBeGreaterThan(100)
    // The order itself: each new key evicts the least recently used survivor, in the model's order.
    for (let room = 50 - order.length; room > 0; room--) cache.set(-room, room)
    for (const [n, survivor] of [...order].entries()) {
      cache.set(1000 + n, n)
      expect(cache.get(survivor), `survivor ${n}`).toBeUndefined()
    }
  })
})

