import { describe, expect, it } from 'vitest'
import { analysisSchema, prepareAnswer } from '../../src/conversation/openai-brain.js'
import { loadPlaybook } from '../../src/conversation/playbook.js'

// With json_object or no response format, nothing makes the model write every key: a field it
// leaves out is a value the lead did not give (null), and the rest of the answer still counts.

const playbook = await loadPlaybook()
const keys = playbook.qualification.fields.map((f) => f.key)
const answer = { reply: 'Oi!', intent: 'gives_info', language: 'pt-BR', confidence: 0.8 }

describe('prepareAnswer and the fields a model left out', () => {
  it('a field left out is null, and the answer matches the schema', () => {
    const prepared = prepareAnswer(playbook, undefined)({ ...answer, fields: { name: 'Carla' } }) as { fields: Record<string, unknown> }
    expect(prepared.fields).toEqual({ ...Object.fromEntries(keys.map((k) => [k, null])), name: 'Carla' })
    expect(analysisSchema(playbook).safeParse(prepared).success).toBe(true)
  })

  it('no fields at all: every field null', () => {
    const prepared = prepareAnswer(playbook, undefined)(answer)
    expect(analysisSchema(playbook).safeParse(prepared).success).toBe(true)
  })

  it('a fields value that is not an object, and an answer that is not one, are left for the schema to refuse', () => {
    const odd = { ...answer, fields: 'none' }
    expect(prepareAnswer(playbook, undefined)(odd)).toBe(odd)
    expect(prepareAnswer(playbook, undefined)('not json')).toBe('not json')
  })
})
