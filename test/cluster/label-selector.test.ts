import { describe, expect, it } from 'vitest'
import { parseLabelSelector } from '../../src/cluster/label-selector.js'

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', 'example.com/team': 'shop' }
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=db', false],
    ['app in (web, db)', true],
    ['app notin (web,db)', false],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['missing!=x', true],
    ['example.com/team=shop,tier=front', true],
    ['app=web,tier=back', false],
  ])('%s → %s', (selector, expected) => {
    expect(parseLabelSelector(selector).matches(labels)).toBe(expected)
  })

  it.each(['', 'a=b,', 'a=b=c', 'a in b', '-bad=x'])('refuses %j', (selector) => {
    expect(() => parseLabelSelector(selector)).toThrow(/label|empty/)
  })
})
