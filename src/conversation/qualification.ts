import type { FieldSpec, Playbook } from './playbook.js'
import { normalizePhone, readChoice } from './understanding/index.js'

// Pure rules over the playbook's qualification fields.

const EMAIL = /^[^\s@<>()]{1,64}@[^\s@<>()]{1,255}\.[a-z]{2,24}$/i
const MAX_VALUE = 200

/**
 * Cleans what the brain extracted: known keys only, bounded, e-mails that look real, phones in
 * E.164, and a choice field only as one of its values (a title or a free answer is mapped to the
 * value it means, else dropped): custom attributes and n8n get the same value for the same answer.
 */
export function sanitizeFields (playbook: Playbook, fields: Readonly<Record<string, string>>): Record<string, string> {
  const specs = new Map(playbook.qualification.fields.map((f) => [f.key, f]))
  const out: Record<string, string> = {}
  for (const [key, raw] of Object.entries(fields)) {
    const spec = specs.get(key)
    if (spec === undefined || typeof raw !== 'string') continue
    const value = raw.replace(/\s+/g, ' ').trim().slice(0, MAX_VALUE)
    const clean = value === '' ? undefined : canonical(spec, value)
    if (clean !== undefined) out[key] = clean
  }
  return out
}

function canonical (spec: FieldSpec, value: string): string | undefined {
  if (spec.choices !== undefined) {
    return spec.choices.find((c) => c.value === value)?.value ?? readChoice(value, spec.choices, { asked: false, measure: spec.choices_measure })
  }
  if (spec.key === 'email') return EMAIL.test(value) ? value : undefined
  if (spec.key === 'phone') return normalizePhone(value)
  return value
}

/** Who the lead is: kept once known, and never a phone, an amount or a date. */
export const IDENTITY_FIELDS: readonly string[] = ['name', 'company', 'role']

/** How often a required field is asked: as written, otherwise (an example), and announced once more. */
export const REQUIRED_ASKS = 3

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

/**
 * The next field to ask, in playbook order: an optional one once (twice with choices), a required one
 * up to REQUIRED_ASKS times (the state machine offers a person when one is still missing after that).
 */
export function nextField (
  playbook: Playbook,
  fields: Readonly<Record<string, string>>,
  askedCounts: Readonly<Record<string, number>>
): FieldSpec | undefined {
  const required = requiredKeys(playbook, fields)
  return playbook.qualification.fields.find((f) => {
    if (fields[f.key] !== undefined || satisfiedElsewhere(playbook, f.key, fields)) return false
    // An optional choice gets a second chance, as a numbered list: "2" is easier than the buttons' words.
    // A required field is asked three ways at most; after that a person gets the lead, not a fourth ask.
    return (askedCounts[f.key] ?? 0) < (required.has(f.key) ? REQUIRED_ASKS : f.choices !== undefined ? 2 : 1)
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
