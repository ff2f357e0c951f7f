import type { FieldSpec, Playbook } from './playbook.js'

// Pure rules over the playbook's qualification fields.

const EMAIL = /^[^\s@<>()]{1,64}@[^\s@<>()]{1,255}\.[a-z]{2,24}$/i
const MAX_VALUE = 200

/** Cleans what the brain extracted: known keys only, bounded, e-mails and phones that look real. */
export function sanitizeFields (playbook: Playbook, fields: Readonly<Record<string, string>>): Record<string, string> {
  const known = new Set(playbook.qualification.fields.map((f) => f.key))
  const out: Record<string, string> = {}
  for (const [key, raw] of Object.entries(fields)) {
    if (!known.has(key) || typeof raw !== 'string') continue
    const value = raw.replace(/\s+/g, ' ').trim().slice(0, MAX_VALUE)
    if (value === '') continue
    if (key === 'email' && !EMAIL.test(value)) continue
    if (key === 'phone') {
      const digits = value.replace(/\D/g, '')
      if (digits.length < 8 || digits.length > 15) continue
      out[key] = (value.trim().startsWith('+') ? '+' : '') + digits
      continue
    }
    out[key] = value
  }
  return out
}

function requiredKeys (playbook: Playbook, fields: Readonly<Record<string, string>>): Set<string> {
  const rule = playbook.qualification.qualified_when
  const required = new Set(rule.all)
  for (const group of rule.any_of) {
    if (!group.some((k) => fields[k] !== undefined)) for (const k of group) required.add(k)
  }
  return required
}

/** Fields in an any_of group another member already satisfies are not asked at all. */
function satisfiedElsewhere (playbook: Playbook, key: string, fields: Readonly<Record<string, string>>): boolean {
  return playbook.qualification.qualified_when.any_of.some((group) => group.includes(key) && group.some((k) => k !== key && fields[k] !== undefined))
}

export function isQualified (playbook: Playbook, fields: Readonly<Record<string, string>>): boolean {
  const rule = playbook.qualification.qualified_when
  return rule.all.every((k) => fields[k] !== undefined) && rule.any_of.every((g) => g.some((k) => fields[k] !== undefined))
}

/** The next field to ask, in playbook order: required ones up to twice, optional ones once. */
export function nextField (
  playbook: Playbook,
  fields: Readonly<Record<string, string>>,
  askedCounts: Readonly<Record<string, number>>
): FieldSpec | undefined {
  const required = requiredKeys(playbook, fields)
  return playbook.qualification.fields.find((f) => {
    if (fields[f.key] !== undefined || satisfiedElsewhere(playbook, f.key, fields)) return false
    return (askedCounts[f.key] ?? 0) < (required.has(f.key) ? 2 : 1)
  })
}

export function missingRequired (playbook: Playbook, fields: Readonly<Record<string, string>>): string[] {
  return [...requiredKeys(playbook, fields)].filter((k) => fields[k] === undefined)
}

/** 0–100: required fields weigh twice as much as optional ones. */
export function leadScore (playbook: Playbook, fields: Readonly<Record<string, string>>): number {
  const required = requiredKeys(playbook, {})
  let total = 0
  let got = 0
  for (const f of playbook.qualification.fields) {
    const weight = required.has(f.key) ? 2 : 1
    total += weight
    if (fields[f.key] !== undefined) got += weight
  }
  return total === 0 ? 0 : Math.round((got / total) * 100)
}

/** The value a lead gave that the playbook says disqualifies (e.g. budget "none"), if any. */
export function disqualifyingField (playbook: Playbook, fields: Readonly<Record<string, string>>): string | undefined {
  return playbook.qualification.fields.find((f) => {
    const v = fields[f.key]
    return v !== undefined && (f.disqualify_values ?? []).some((d) => d.toLowerCase() === v.toLowerCase())
  })?.key
}
