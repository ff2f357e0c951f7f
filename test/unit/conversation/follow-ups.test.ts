import { describe, expect, it } from 'vitest'
import { BusinessHours, businessHoursSchema } from '../../../src/conversation/business-hours.js'
import { followUpsSchema, planFollowUp, watchdogDueAt, watchdogSchema } from '../../../src/conversation/follow-ups.js'

const hours = new BusinessHours(businessHoursSchema.parse({ time_zone: 'America/Sao_Paulo', weekly: { mon: ['09:00-18:00'], tue: ['09:00-18:00'] } }))
const spec = followUpsSchema.parse({ steps: [{ after_minutes: 120, text: { 'pt-BR': 'Oi?' } }, { after_minutes: 1440, text: { 'pt-BR': 'Ainda por aí?' } }] })
const qualifying = { stage: 'qualifying', owner: 'bot' }
const monday10 = Date.parse('2026-11-30T13:00:00Z') // 10:00 in São Paulo

describe('follow-up planning', () => {
  it('plans the step at its delay inside business hours', () => {
    expect(planFollowUp(spec, hours, qualifying, 0, monday10)).toEqual({ step: 0, dueAt: monday10 + 120 * 60_000 })
  })

  it('moves a step due at night to the next opening', () => {
    const monday17 = Date.parse('2026-11-30T20:00:00Z') // 17:00 local; +2 h = 19:00, closed
    expect(planFollowUp(spec, hours, qualifying, 0, monday17)?.dueAt).toBe(Date.parse('2026-12-01T12:00:00Z'))
  })

  it('ignores business hours when the playbook says so', () => {
    const always = followUpsSchema.parse({ ...spec, business_hours_only: false })
    const monday17 = Date.parse('2026-11-30T20:00:00Z')
    expect(planFollowUp(always, hours, qualifying, 0, monday17)?.dueAt).toBe(monday17 + 120 * 60_000)
  })

  it('plans nothing past the last step, without a spec, or when the bot is not qualifying', () => {
    expect(planFollowUp(spec, hours, qualifying, 2, monday10)).toBeUndefined()
    expect(planFollowUp(undefined, hours, qualifying, 0, monday10)).toBeUndefined()
    expect(planFollowUp(spec, hours, { stage: 'handoff', owner: 'human' }, 0, monday10)).toBeUndefined()
    expect(planFollowUp(spec, hours, { stage: 'opted_out', owner: 'bot' }, 0, monday10)).toBeUndefined()
    expect(planFollowUp(spec, hours, { stage: 'qualified', owner: 'bot' }, 0, monday10)).toBeUndefined()
  })

  it('counts the watchdog in open minutes', () => {
    const w = watchdogSchema.parse({ after_minutes: 30 })
    const monday1745 = Date.parse('2026-11-30T20:45:00Z')
    expect(watchdogDueAt(w, hours, monday1745)).toBe(Date.parse('2026-12-01T12:15:00Z'))
    expect(watchdogDueAt(w, undefined, monday1745)).toBe(monday1745 + 30 * 60_000)
  })
})
