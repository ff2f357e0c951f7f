import { describe, expect, it } from 'vitest'
import { BusinessHours, businessHoursSchema } from '../../../src/conversation/business-hours.js'

// São Paulo has had no DST since 2019: UTC-3 all year. New York tests the DST edges.
const sp = new BusinessHours(businessHoursSchema.parse({
  time_zone: 'America/Sao_Paulo',
  weekly: { mon: ['09:00-12:00', '13:00-18:00'], tue: ['09:00-18:00'], wed: ['09:00-18:00'], thu: ['09:00-18:00'], fri: ['09:00-17:00'] },
  holidays: ['2026-12-25'],
}))
const at = (iso: string): number => Date.parse(iso)

describe('business hours', () => {
  it('is open inside an interval and closed at lunch, at night and on weekends', () => {
    expect(sp.isOpen(at('2026-11-30T12:00:00Z'))).toBe(true) // Monday 09:00 local
    expect(sp.isOpen(at('2026-11-30T11:59:00Z'))).toBe(false) // 08:59
    expect(sp.isOpen(at('2026-11-30T15:30:00Z'))).toBe(false) // 12:30 lunch
    expect(sp.isOpen(at('2026-12-05T15:00:00Z'))).toBe(false) // Saturday
  })

  it('names the next opening: after lunch, the next morning, past a weekend and a holiday', () => {
    expect(sp.nextOpening(at('2026-11-30T15:30:00Z'))).toBe(at('2026-11-30T16:00:00Z'))
    expect(sp.nextOpening(at('2026-11-30T22:00:00Z'))).toBe(at('2026-12-01T12:00:00Z'))
    expect(sp.nextOpening(at('2026-12-04T21:00:00Z'))).toBe(at('2026-12-07T12:00:00Z')) // Friday after 17:00 → Monday
    expect(sp.nextOpening(at('2026-12-24T22:00:00Z'))).toBe(at('2026-12-28T12:00:00Z')) // Christmas Friday is a holiday
  })

  it('adds open minutes across the night', () => {
    // Monday 17:30 local + 60 open minutes = Tuesday 09:30 local.
    expect(sp.addOpenMinutes(at('2026-11-30T20:30:00Z'), 60)).toBe(at('2026-12-01T12:30:00Z'))
    expect(sp.addOpenMinutes(at('2026-11-30T12:00:00Z'), 30)).toBe(at('2026-11-30T12:30:00Z'))
  })

  it('follows daylight saving time in the configured zone', () => {
    const ny = new BusinessHours(businessHoursSchema.parse({ time_zone: 'America/New_York', weekly: { mon: ['09:00-17:00'] } }))
    expect(ny.nextOpening(at('2026-03-08T12:00:00Z'))).toBe(at('2026-03-09T13:00:00Z')) // EDT, UTC-4
    expect(ny.nextOpening(at('2026-11-01T12:00:00Z'))).toBe(at('2026-11-02T14:00:00Z')) // EST, UTC-5
  })

  it('describes the opening in the lead language', () => {
    expect(sp.describe(at('2026-12-01T12:00:00Z'), 'pt-BR')).toMatch(/terça-feira.*09:00/)
    expect(sp.describe(at('2026-12-01T12:00:00Z'), 'en')).toMatch(/Tuesday.*09:00/)
  })

  it('refuses a bad zone, bad hours and a week with no open time', () => {
    expect(businessHoursSchema.safeParse({ time_zone: 'Mars/Olympus', weekly: { mon: ['09:00-18:00'] } }).success).toBe(false)
    expect(businessHoursSchema.safeParse({ time_zone: 'UTC', weekly: { mon: ['18:00-09:00'] } }).success).toBe(false)
    expect(businessHoursSchema.safeParse({ time_zone: 'UTC', weekly: { mon: ['9-18'] } }).success).toBe(false)
    expect(businessHoursSchema.safeParse({ time_zone: 'UTC', weekly: {} }).success).toBe(false)
  })
})
