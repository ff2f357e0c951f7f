import { describe, expect, it } from 'vitest'
import { clip } from '../../../src/conversation/worker.js'

describe('clip: a lead turn is bounded before it reaches the history and the prompt', () => {
  it('keeps a text within the bound as it is', () => {
    expect(clip('olá, tudo bem?', 14)).toBe('olá, tudo bem?')
  })

  it('cuts a longer text to the bound, ending with an ellipsis', () => {
    const out = clip('x'.repeat(5000), 2000)
    expect(out).toHaveLength(2000)
    expect(out.endsWith('…')).toBe(true)
  })

  it('never splits an emoji in two', () => {
    // 'ab' then an emoji (two UTF-16 units): a cut after its first half must drop the half.
    const out = clip('ab🙂cdef', 4)
    expect(out).toBe('ab…')
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out)).toBe(false)
  })
})
