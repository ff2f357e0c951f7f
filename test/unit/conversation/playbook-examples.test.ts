import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { businessHoursOf, loadPlaybook, parsePlaybook } from '../../../src/conversation/playbook.js'

// The example playbooks document the scheduling options: they must parse as written.

describe('scheduling options in the example playbooks', () => {
  it('the commented block of default.yaml is a valid playbook once uncommented', async () => {
    const text = await readFile(new URL('../../../playbooks/default.yaml', import.meta.url), 'utf8')
    const start = text.indexOf('# business_hours:')
    expect(start).toBeGreaterThan(0)
    const uncommented = text.slice(0, start) + text.slice(start).split('\n').map((l) => l.replace(/^# /, '')).join('\n')
    const p = parsePlaybook(uncommented, 'default.yaml')
    expect(p.follow_ups?.steps.map((s) => s.after_minutes)).toEqual([120, 1440])
    expect(p.handoff_watchdog?.after_minutes).toBe(30)
    expect(businessHoursOf(p)?.isOpen(Date.parse('2026-12-01T13:00:00Z'))).toBe(true) // Tuesday 10:00 in São Paulo
    expect(businessHoursOf(p)?.isOpen(Date.parse('2026-12-01T15:30:00Z'))).toBe(false) // 12:30, lunch
  })

  it('default.yaml as shipped has none of them (behaviour does not depend on the hour)', async () => {
    const p = await loadPlaybook()
    expect([p.business_hours, p.follow_ups, p.handoff_watchdog]).toEqual([undefined, undefined, undefined])
  })

  it('example-en.yaml has them on', async () => {
    const p = await loadPlaybook(new URL('../../../playbooks/example-en.yaml', import.meta.url))
    expect(p.follow_ups?.steps).toHaveLength(2)
    expect(p.handoff_watchdog?.holding_message?.['en']).toMatch(/shortly/)
    expect(businessHoursOf(p)?.timeZone).toBe('America/New_York')
  })

  it('refuses follow-ups with no step and a watchdog of zero minutes', () => {
    const base = 'language: en\npersona: {name: A, company: B, tone: c}\nproduct: {summary: s}\nqualification: {fields: [{key: name, label: {en: n}, question: {en: q}}], qualified_when: {all: [name]}}\ntexts: {greeting: {en: g}, handoff: {en: h}, qualified: {en: q}, meeting: {en: m}, opt_out: {en: o}, not_interested: {en: n}, out_of_scope: {en: o}, acknowledge: {en: a}}\n'
    expect(() => parsePlaybook(base + 'follow_ups: {steps: []}\n', 'x.yaml')).toThrow(/follow_ups/)
    expect(() => parsePlaybook(base + 'handoff_watchdog: {after_minutes: 0}\n', 'x.yaml')).toThrow(/handoff_watchdog/)
    expect(parsePlaybook(base, 'x.yaml').texts.out_of_hours['en']).toMatch(/\{next_open\}/)
  })
})
