import { describe, expect, it } from 'vitest'
import { MultiIndex } from '../../src/cluster/multi-index.js'

describe('MultiIndex', () => {
  it('holds one or several values per key, without duplicates, and forgets emptied keys', () => {
    const index = new MultiIndex<string>()
    expect(index.get('10.0.0.1')).toEqual([])
    index.add('10.0.0.1', 'a')
    index.add('10.0.0.1', 'a')
    expect(index.get('10.0.0.1')).toEqual(['a'])
    index.add('10.0.0.1', 'b')
    index.add('10.0.0.1', 'c')
    index.add('10.0.0.1', 'b')
    expect(index.get('10.0.0.1')).toEqual(['a', 'b', 'c'])
    index.remove('10.0.0.1', 'b')
    expect(index.get('10.0.0.1')).toEqual(['a', 'c'])
    index.remove('10.0.0.1', 'a')
    expect(index.get('10.0.0.1')).toEqual(['c'])
    index.remove('10.0.0.1', 'x')
    index.remove('10.0.0.1', 'c')
    expect(index.get('10.0.0.1')).toEqual([])
    index.remove('10.0.0.2', 'a')
    expect(index.get('10.0.0.2')).toEqual([])
  })
})
