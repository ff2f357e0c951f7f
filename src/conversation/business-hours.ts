import { z } from 'zod'

// When humans are at work, in the sales team's own time zone: the bot keeps qualifying at any hour,
// but tells a lead it hands off at night when someone will answer, and follow-ups and the handoff
// watchdog count only open time.

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const
type Day = typeof DAYS[number]

const hhmm = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/
const interval = z.string().regex(/^\d\d:\d\d-\d\d:\d\d$/, 'hours are "HH:MM-HH:MM"').refine((s) => {
  const [from = '', to = ''] = s.split('-')
  return hhmm.test(from) && hhmm.test(to) && from < to
}, 'an interval is "HH:MM-HH:MM" with the start before the end (24:00 ends a day)')

export const businessHoursSchema = z.object({
  /** IANA name, e.g. America/Sao_Paulo. */
  time_zone: z.string().refine(validTimeZone, 'unknown IANA time zone (e.g. America/Sao_Paulo)'),
  /** Open intervals per weekday; a day left out is closed. */
  weekly: z.partialRecord(z.enum(DAYS), z.array(interval)),
  /** Closed all day (local dates, YYYY-MM-DD). */
  holidays: z.array(z.string().regex(/^\d{4}-\d\d-\d\d$/, 'holidays are YYYY-MM-DD')).default([]),
}).refine((b) => Object.values(b.weekly).some((list) => list.length > 0), { message: 'business_hours.weekly needs at least one open interval' })

export type BusinessHoursSpec = z.infer<typeof businessHoursSchema>

function validTimeZone (tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz }).format(0)
    return true
  } catch {
    return false
  }
}

interface LocalDate { readonly y: number, readonly m: number, readonly d: number }

const partsFormatters = new Map<string, Intl.DateTimeFormat>()
function partsFormatter (tz: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(tz)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    partsFormatters.set(tz, f)
  }
  return f
}

/** The wall-clock reading of an instant in a zone, as if that reading were UTC (ms). */
function wallClock (tz: string, at: number): number {
  const p: Record<string, number> = {}
  for (const part of partsFormatter(tz).formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value)
  return Date.UTC(p['year'] ?? 1970, (p['month'] ?? 1) - 1, p['day'] ?? 1, p['hour'] ?? 0, p['minute'] ?? 0, p['second'] ?? 0)
}

/** The instant a local wall-clock time happens (the later side of a DST gap, the first of an overlap). */
function instantOf (tz: string, date: LocalDate, minutes: number): number {
  const wall = Date.UTC(date.y, date.m - 1, date.d) + minutes * 60_000
  let guess = wall - (wallClock(tz, wall) - wall)
  // Twice: the offset at the first guess may differ from the offset at the answer (a DST change).
  guess = wall - (wallClock(tz, guess) - guess)
  return guess
}

const minutesOf = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5))

export class BusinessHours {
  readonly #spec: BusinessHoursSpec
  readonly #holidays: ReadonlySet<string>

  constructor (spec: BusinessHoursSpec) {
    this.#spec = spec
    this.#holidays = new Set(spec.holidays)
  }

  get timeZone (): string {
    return this.#spec.time_zone
  }

  /** Open intervals [start, end) in ms from `from` on (the first one clipped to it), for a year at most. */
  * intervals (from: number): Generator<readonly [number, number]> {
    const wall = new Date(wallClock(this.#spec.time_zone, from))
    for (let i = 0; i < 370; i++) {
      const day = new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + i))
      const date = { y: day.getUTCFullYear(), m: day.getUTCMonth() + 1, d: day.getUTCDate() }
      if (this.#holidays.has(day.toISOString().slice(0, 10))) continue
      const hours = this.#spec.weekly[DAYS[day.getUTCDay()] as Day] ?? []
      const spans = hours.map((h) => h.split('-').map(minutesOf) as [number, number]).sort((a, b) => a[0] - b[0])
      for (const [startMin, endMin] of spans) {
        const start = instantOf(this.#spec.time_zone, date, startMin)
        const end = instantOf(this.#spec.time_zone, date, endMin)
        if (end > from) yield [Math.max(start, from), end]
      }
    }
  }

  isOpen (at: number): boolean {
    return this.nextOpening(at) === at
  }

  /** `at` itself when open; otherwise when the next open interval starts (undefined: never, within a year). */
  nextOpening (at: number): number | undefined {
    return this.intervals(at).next().value?.[0]
  }

  /** The instant `minutes` of open time after `at` (waiting through nights, weekends and holidays). */
  addOpenMinutes (at: number, minutes: number): number | undefined {
    let left = minutes * 60_000
    for (const [start, end] of this.intervals(at)) {
      if (end - start >= left) return start + left
      left -= end - start
    }
    return undefined
  }

  /** "segunda-feira, 09:00": when the next person is in, for the lead, in the lead's language. */
  describe (at: number, language: string): string {
    const f = new Intl.DateTimeFormat(language, { timeZone: this.#spec.time_zone, weekday: 'long', hour: '2-digit', minute: '2-digit' })
    return f.format(at)
  }
}
