import { describe, expect, it } from 'vitest'
import { memoByObject } from '../../src/lib/memo.js'

describe('memoByObject', () => {
  it('makes the value once per key object, an undefined value included', () => {
    const made: object[] = []
    const derive = memoByObject((key: { n: number }) => {
      made.push(key)
      return key.n > 0 ? { double: key.n * 2 } : undefined
    })
    const a = { n: 2 }
    const zero = { n: 0 }
    const first = derive(a)
    expect(derive(a)).toBe(first)
    expect(first).toEqual({ double: 4 })
    expect(derive(zero)).toBeUndefined()
    expect(derive(zero)).toBeUndefined()
    // An equal but distinct key is another key.
    expect(derive({ n: 2 })).not.toBe(first)
    expect(made).toEqual([a, zero, { n: 2 }])
  })
})
