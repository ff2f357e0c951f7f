import { describe, expect, it } from 'vitest'
import { loadPlaybook } from '../../../src/conversation/playbook.js'
import { leadScore } from '../../../src/conversation/qualification.js'
import { handoffNote } from '../../../src/conversation/handoff-note.js'
import { qualificationAttributes } from '../../../src/conversation/lead-fields.js'
import { workflowPayload } from '../../../src/conversation/workflow-payloads.js'
import { HANDOFF_REASONS, initialState, type ConversationState } from '../../../src/conversation/types.js'

const playbook = await loadPlaybook()
const T0 = Date.UTC(2026, 10, 25, 12, 0, 0)
const st = (overrides: Partial<ConversationState> = {}): ConversationState =>
  ({ ...initialState({ accountId: 3, conversationId: 1487 }, 'pt-BR', T0), ...overrides })

const PARTIAL = { name: 'Maria Souza', company: 'Acme', role: 'CTO' }

describe('handoffNote', () => {
  const state = st({ stage: 'handoff', fields: PARTIAL, botTurns: 4, language: 'en' })
  const note = handoffNote(state, 'wants_human', playbook)
  const lines = note.split('\n')

  it('starts with the reason in words, then its code to search by', () => {
    expect(lines[0]).toBe('🤖 SDR bot → humano: o lead pediu uma pessoa (wants_human)')
  })

  it('gives score, stage, language and the bot turns in words', () => {
    expect(note).toContain(`Pontuação: ${leadScore(playbook, PARTIAL)}/100`)
    expect(leadScore(playbook, PARTIAL)).toBe(Math.round((5 / 13) * 100))
    expect(note).toContain('etapa: com o time')
    expect(note).toContain('idioma do lead: inglês')
    expect(note).toContain('mensagens do bot: 4')
  })

  it('lists the known fields by their playbook label, in playbook order', () => {
    expect(lines).toContain('• nome: Maria Souza')
    expect(lines).toContain('• empresa: Acme')
    expect(lines).toContain('• cargo: CTO')
    expect(lines.indexOf('• nome: Maria Souza')).toBeLessThan(lines.indexOf('• cargo: CTO'))
    expect(note).not.toContain('• e-mail')
  })

  it('lists the missing required fields', () => {
    expect(lines).toContain('Faltando: necessidade, e-mail, telefone')
  })

  it('shows a choice by its title, never its machine value', () => {
    const budget = handoffNote(st({ fields: { ...PARTIAL, budget: '1000_5000', timeline: 'ate_3_meses' } }), 'wants_human', playbook)
    expect(budget).toContain('• orçamento: R$ 1.000 a 5.000')
    expect(budget).toContain('• prazo: Em até 3 meses')
    expect(budget).not.toMatch(/1000_5000|ate_3_meses/)
  })

  it('is written in the playbook\'s language (an English playbook gets an English note)', () => {
    const en = { ...playbook, language: 'en' }
    const text = handoffNote(st({ stage: 'qualifying', fields: { ...PARTIAL, budget: 'acima_5000' }, language: 'es' }), 'stalled', en)
    expect(text).toContain('SDR bot → human: the conversation was not moving, the bot asked in other ways and got no answer (stalled)'.replace(', the bot', ': the bot'))
    expect(text).toContain('• budget: Over R$ 5,000')
    expect(text).toContain("lead's language: Spanish")
    expect(text).toContain('Missing: need, e-mail, phone')
    expect(text).not.toMatch(/Faltando|orçamento/)
  })

  it('includes the private notes and the playbook version', () => {
    expect(note).toContain(`Notas internas: ${playbook.private_notes ?? '∅'}`)
    expect(lines.at(-1)).toBe(`Playbook ${playbook.version}`)
  })

  it('has no "Faltando" line for a qualified lead, and no notes line without private notes', () => {
    const q = handoffNote(st({ stage: 'qualified', fields: { ...PARTIAL, need: 'bot', email: 'maria@acme.com' } }), 'qualified', { ...playbook, private_notes: undefined })
    expect(q).toContain('lead qualificado')
    expect(q).not.toContain('Faltando')
    expect(q).not.toContain('Notas internas')
  })

  it.each(HANDOFF_REASONS)('explains %s in each language, in words', (reason) => {
    for (const language of ['pt-BR', 'en', 'es']) {
      const first = handoffNote(st(), reason, { ...playbook, language }).split('\n')[0] ?? ''
      expect(first.replace(` (${reason})`, '').length).toBeGreaterThan(30)
    }
  })
})

describe('workflowPayload', () => {
  const state = st({ stage: 'qualified', fields: { ...PARTIAL, email: 'maria@acme.com' }, contactId: 77, inboxId: 5, language: 'es' })
  const at = T0 + 5_000

  it('is version 1 with the ids, fields, score and conversation_url', () => {
    const p = workflowPayload(state, 'lead_qualified', 'qualified', playbook, 'https://chat.example.com/', at)
    expect(p).toEqual({
      version: 1,
      event: 'lead_qualified',
      reason: 'qualified',
      occurred_at: new Date(at).toISOString(),
      account_id: 3,
      conversation_id: 1487,
      inbox_id: 5,
      contact_id: 77,
      conversation_url: 'https://chat.example.com/app/accounts/3/conversations/1487',
      stage: 'qualified',
      score: leadScore(playbook, state.fields),
      language: 'es',
      fields: { ...PARTIAL, email: 'maria@acme.com' },
      playbook_version: playbook.version,
    })
  })

  it('copies the fields (a later change to the payload cannot touch the state)', () => {
    const p = workflowPayload(state, 'handoff', 'wants_human', playbook, undefined, at)
    expect(p.fields).not.toBe(state.fields)
    expect(p.fields).toEqual(state.fields)
  })

  it('uses null for unknown ids and a missing Chatwoot base URL', () => {
    const p = workflowPayload(st(), 'handoff', 'max_turns', playbook, undefined, at)
    expect(p.inbox_id).toBeNull()
    expect(p.contact_id).toBeNull()
    expect(p.conversation_url).toBeNull()
    expect(p.fields).toEqual({})
    expect(p.score).toBe(0)
  })

  it('builds the same URL with or without a trailing slash', () => {
    const a = workflowPayload(state, 'handoff', 'x', playbook, 'https://chat.example.com', at).conversation_url
    const b = workflowPayload(state, 'handoff', 'x', playbook, 'https://chat.example.com/', at).conversation_url
    expect(a).toBe(b)
  })
})

describe('qualificationAttributes', () => {
  it('has the sdr_ keys and one lead_<field> key per known field', () => {
    const state = st({ stage: 'qualifying', fields: { name: 'Maria Souza', email: 'maria@acme.com' } })
    const attrs = qualificationAttributes(state, playbook)
    expect(Object.keys(attrs).sort()).toEqual(['lead_email', 'lead_name', 'sdr_playbook_version', 'sdr_score', 'sdr_stage'])
    expect(attrs).toMatchObject({
      sdr_stage: 'qualifying',
      sdr_score: leadScore(playbook, state.fields),
      sdr_playbook_version: playbook.version,
      lead_name: 'Maria Souza',
      lead_email: 'maria@acme.com',
    })
  })

  it('keeps a choice\'s machine value and adds its title as lead_<field>_label', () => {
    const attrs = qualificationAttributes(st({ fields: { budget: '1000_5000' } }), playbook)
    expect(attrs).toMatchObject({ lead_budget: '1000_5000', lead_budget_label: 'R$ 1.000 a 5.000' })
    const payload = workflowPayload(st({ fields: { timeline: 'este_mes' } }), 'handoff', 'x', playbook, undefined, T0)
    expect(payload.fields).toEqual({ timeline: 'este_mes', timeline_label: 'Este mês' })
  })

  it('has only the sdr_ keys for a lead with no fields', () => {
    expect(qualificationAttributes(st(), playbook)).toEqual({ sdr_stage: 'new', sdr_score: 0, sdr_playbook_version: playbook.version })
  })
})
