import { describe, expect, it } from 'vitest'
import { parseUpstream } from '../../../src/plugins/forward/options.js'

describe('forward upstream addresses', () => {
  it.each([
    ['10.0.0.1', { host: '10.0.0.1', port: 53 }],
    ['10.0.0.1:5353', { host: '10.0.0.1', port: 5353 }],
    ['dns://10.0.0.1:5353', { host: '10.0.0.1', port: 5353 }],
    ['fd00::1', { host: 'fd00::1', port: 53 }],
    ['[fd00::1]:5353', { host: 'fd00::1', port: 5353 }],
  ])('%s', (text, expected) => {
    expect(parseUpstream(text)).toEqual(expected)
  })

  it.each(['/etc/resolv.conf', 'example.com', '10.0.0.1:x', '[10.0.0.1]:53', '10.0.0.1:53:1'])('%s is not an address', (text) => {
    expect(parseUpstream(text)).toBeNull()
  })
})
