import { memoByObject } from '../lib/memo.js'
import type { Playbook } from './playbook.js'
import { fold } from './understanding/index.js'

// Leads the team does not sell to (job seekers, students, vendors, wrong numbers), read from the
// lead's own words with the playbook's phrases and patterns, in every language the playbook lists:
// a lead may write "sou estudante" in an English conversation. Field values count too.

/** Lower case, no accents, no apostrophes ("I'm" → "im"), single spaces: how phrases compare. */
export function foldForMatch (text: string): string {
  return fold(text).replace(/['’`´]/g, '').replace(/\s+/g, ' ').trim()
}

interface Matcher { readonly reason: string, readonly tests: readonly RegExp[] }

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const matchersOf = memoByObject((playbook: Playbook): Matcher[] => playbook.qualification.disqualify_when.map((d) => ({
  reason: d.reason,
  tests: [
    ...Object.values(d.phrases ?? {}).flat().map((p) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(foldForMatch(p))}(?![\\p{L}\\p{N}])`, 'u')),
    ...Object.values(d.patterns ?? {}).flat().map((p) => new RegExp(p, 'u')),
  ],
})))

/** The reason of the first disqualify_when entry the lead's words match, if any. */
export function disqualifyingWords (playbook: Playbook, text: string): string | undefined {
  const folded = foldForMatch(text)
  if (folded === '') return undefined
  return matchersOf(playbook).find((m) => m.tests.some((re) => re.test(folded)))?.reason
}

/** The reason a recorded field value disqualifies: disqualify_when values, then a field's disqualify_values. */
export function disqualifyingValue (playbook: Playbook, fields: Readonly<Record<string, string>>): string | undefined {
  const byRule = playbook.qualification.disqualify_when.find((d) =>
    Object.entries(d.values ?? {}).some(([key, values]) => fields[key] !== undefined && values.some((v) => v.toLowerCase() === fields[key]?.toLowerCase())))
  if (byRule !== undefined) return byRule.reason
  return playbook.qualification.fields.find((f) => {
    const v = fields[f.key]
    return v !== undefined && (f.disqualify_values ?? []).some((d) => d.toLowerCase() === v.toLowerCase())
  })?.key
}

/** The closing said to a lead disqualified for this reason, as a playbook text. */
export function disqualifiedReply (playbook: Playbook, reason: string) {
  if (reason === 'not_interested') return playbook.texts.not_interested
  return playbook.qualification.disqualify_when.find((d) => d.reason === reason)?.reply ?? playbook.texts.disqualified
}
