import { describe, expect, it } from 'vitest'
import { loadPlaybook } from '../../../src/conversation/playbook.js'
import {
  isQualified,
  leadScore,
  missingRequired,
  nextField,
  sanitizeFields,
} from '../../../src/conversation/qualification.js'

const playbook = await loadPlaybook()

const RULE = { name: 'Maria Souza', company: 'Acme', need: 'automatizar o WhatsApp' }
const ALL = { ...RULE, role: 'CTO', email: 'maria@acme.com', phone: '+5511987654321', budget: 'ate_1000', timeline: 'este_mes' }

describe('isQualified (all: name, company, need; any_of: e-mail or phone)', () => {
  it.each([
    { fields: {}, qualified: false },
    { fields: RULE, qualified: false },
    { fields: { ...RULE, email: 'maria@acme.com' }, qualified: true },
    { fields: { ...RULE, phone: '+5511987654321' }, qualified: true },
    { fields: { name: 'Maria', company: 'Acme', email: 'maria@acme.com', phone: '11987654321' }, qualified: false },
    { fields: { company: 'Acme', need: 'x', email: 'maria@acme.com' }, qualified: false },
    { fields: ALL, qualified: true },
  ] as Array<{ fields: Record<string, string>, qualified: boolean }>)('$fields → $qualified', ({ fields, qualified }) => {
    expect(isQualified(playbook, fields)).toBe(qualified)
  })
})

describe('nextField', () => {
  it.each([
    { name: 'nothing known → name', fields: {}, asked: {}, next: 'name' },
    { name: 'in playbook order', fields: { name: 'Maria' }, asked: {}, next: 'company' },
    { name: 'a required field is asked a second time', fields: {}, asked: { name: 1 }, next: 'name' },
    { name: 'and a third (the state machine stops asking when the lead gives nothing)', fields: {}, asked: { name: 2 }, next: 'name' },
    { name: 'an optional field is asked once only', fields: { name: 'Maria', company: 'Acme' }, asked: { role: 1 }, next: 'need' },
    { name: 'e-mail is asked while no contact is known', fields: RULE, asked: { role: 1 }, next: 'email' },
    { name: 'e-mail stays the question of the contact group (its rephrase offers the phone)', fields: RULE, asked: { role: 1, email: 2 }, next: 'email' },
    { name: 'phone is not asked once e-mail is known', fields: { ...RULE, email: 'maria@acme.com' }, asked: { role: 1 }, next: 'budget' },
    { name: 'e-mail is not asked once phone is known', fields: { ...RULE, phone: '11987654321' }, asked: { role: 1 }, next: 'budget' },
    { name: 'optional fields after the rule is met', fields: { ...RULE, email: 'maria@acme.com' }, asked: { role: 1, budget: 2 }, next: 'timeline' },
    { name: 'an optional choice gets a second ask (as a numbered list)', fields: { ...RULE, email: 'maria@acme.com' }, asked: { role: 1, budget: 1 }, next: 'budget' },
    { name: 'nothing once every field is known or asked enough', fields: { ...RULE, email: 'maria@acme.com' }, asked: { role: 1, budget: 2, timeline: 2 }, next: undefined },
    { name: 'nothing once everything is known', fields: ALL, asked: {}, next: undefined },
  ] as Array<{ name: string, fields: Record<string, string>, asked: Record<string, number>, next: string | undefined }>)('$name → $next', ({ fields, asked, next }) => {
    expect(nextField(playbook, fields, asked)?.key).toBe(next)
  })
})

describe('missingRequired', () => {
  it('lists the rule fields and both contact fields while no contact is known', () => {
    expect(missingRequired(playbook, {}).sort()).toEqual(['company', 'email', 'name', 'need', 'phone'])
  })

  it('drops the contact group once one of them is known', () => {
    expect(missingRequired(playbook, { email: 'maria@acme.com' }).sort()).toEqual(['company', 'name', 'need'])
    expect(missingRequired(playbook, { name: 'Maria', phone: '11987654321' }).sort()).toEqual(['company', 'need'])
  })

  it('is empty for a qualified lead, and optional fields never count', () => {
    expect(missingRequired(playbook, { ...RULE, email: 'maria@acme.com' })).toEqual([])
  })
})

describe('leadScore (required fields weigh 2, optional 1: 5×2 + 3×1 = 13)', () => {
  it.each([
    { fields: {}, score: 0 },
    { fields: { name: 'Maria' }, score: Math.round((2 / 13) * 100) },
    { fields: { role: 'CTO' }, score: Math.round((1 / 13) * 100) },
    { fields: { ...RULE, email: 'maria@acme.com' }, score: Math.round((8 / 13) * 100) },
    { fields: ALL, score: 100 },
    { fields: { unknown_key: 'x' }, score: 0 },
  ] as Array<{ fields: Record<string, string>, score: number }>)('$fields → $score', ({ fields, score }) => {
    expect(leadScore(playbook, fields)).toBe(score)
  })

  it('grows with every field given', () => {
    let fields: Record<string, string> = {}
    let last = leadScore(playbook, fields)
    for (const [k, v] of Object.entries(ALL)) {
      fields = { ...fields, [k]: v }
      const now = leadScore(playbook, fields)
      expect(now).toBeGreaterThan(last)
      last = now
    }
    expect(last).toBe(100)
  })
})

describe('sanitizeFields', () => {
  it.each([
    { in: { email: 'maria@acme.com.br' }, out: { email: 'maria@acme.com.br' } },
    { in: { email: 'maria at acme' }, out: {} },
    { in: { email: 'maria@acme' }, out: {} },
    { in: { email: '<script>@x.com' }, out: {} },
    { in: { phone: '+55 (11) 98765-4321' }, out: { phone: '+5511987654321' } },
    { in: { phone: '11 98765-4321' }, out: { phone: '+5511987654321' } },
    { in: { budget: 'R$ 1.000 a 5.000' }, out: { budget: '1000_5000' } },
    { in: { budget: 'uns 3 mil por mês' }, out: { budget: '1000_5000' } },
    { in: { budget: '1e309' }, out: {} },
    { in: { budget: 'acima_5000' }, out: { budget: 'acima_5000' } },
    { in: { timeline: 'Just looking' }, out: { timeline: 'pesquisando' } },
    { in: { timeline: 'whenever, really' }, out: {} },
    { in: { phone: '1234' }, out: {} },
    { in: { phone: '1234567890123456' }, out: {} },
    { in: { name: '  Maria \n  Souza  ' }, out: { name: 'Maria Souza' } },
    { in: { name: '   ' }, out: {} },
    { in: { favorite_color: 'azul', Name: 'X', __proto__x: 'y' }, out: {} },
  ] as Array<{ in: Record<string, string>, out: Record<string, string> }>)('$in → $out', ({ in: fields, out }) => {
    expect(sanitizeFields(playbook, fields)).toEqual(out)
  })

  it('bounds a value to 200 characters', () => {
    expect(sanitizeFields(playbook, { need: 'x'.repeat(5000) })['need']).toHaveLength(200)
  })

  it('ignores non-string values the model may slip in', () => {
    expect(sanitizeFields(playbook, { company: 42 as unknown as string, name: 'Maria' })).toEqual({ name: 'Maria' })
  })
})
