import { memoByObject } from '../lib/memo.js'
import { baseOf, entryFor, type Localized } from './localized.js'
import type { Playbook } from './playbook.js'

// Which languages a playbook can hold a whole conversation in. A reply is assembled from several
// texts (greeting, an FAQ answer, a question, its buttons); if one of them lacked the lead's
// language the reply would mix two. So the bot speaks a language only when every text has it, and
// answers anyone else in the playbook's own language.

/** Every text a lead may read, with where it is in the playbook (for the gaps report). */
export function leadFacingTexts (playbook: Playbook): Array<{ readonly path: string, readonly text: Localized }> {
  const out: Array<{ path: string, text: Localized }> = []
  for (const [name, text] of Object.entries(playbook.texts)) out.push({ path: `texts.${name}`, text })
  playbook.qualification.fields.forEach((f, i) => {
    out.push({ path: `qualification.fields[${i}] (${f.key}).question`, text: f.question })
    if (f.rephrase !== undefined) out.push({ path: `qualification.fields[${i}] (${f.key}).rephrase`, text: f.rephrase })
    f.choices?.forEach((c, j) => out.push({ path: `qualification.fields[${i}] (${f.key}).choices[${j}].title`, text: c.title }))
  })
  playbook.qualification.disqualify_when.forEach((d, i) => {
    if (d.reply !== undefined) out.push({ path: `qualification.disqualify_when[${i}] (${d.reason}).reply`, text: d.reply })
  })
  playbook.product.faq.forEach((q, i) => out.push({ path: `product.faq[${i}].answer`, text: q.answer }))
  playbook.product.facts.forEach((f, i) => out.push({ path: `product.facts[${i}]`, text: f }))
  playbook.follow_ups?.steps.forEach((s, i) => out.push({ path: `follow_ups.steps[${i}].text`, text: s.text }))
  const holding = playbook.handoff_watchdog?.holding_message
  if (holding !== undefined) out.push({ path: 'handoff_watchdog.holding_message', text: holding })
  return out
}

/** "texts.greeting: no en" for every text missing one of the playbook's languages. */
export const untranslatedTexts = memoByObject((playbook: Playbook): string[] => {
  const wanted = playbook.languages ?? [playbook.language]
  const out: string[] = []
  for (const { path, text } of leadFacingTexts(playbook)) {
    const missing = wanted.filter((lang) => entryFor(text, lang) === undefined)
    if (missing.length > 0) out.push(`${path}: no ${missing.join(', ')}`)
  }
  return out
})

/** The languages the bot holds whole conversations in: the playbook's first, then those every text has. */
export const spokenLanguages = memoByObject((playbook: Playbook): readonly string[] => {
  const texts = leadFacingTexts(playbook).map((t) => t.text)
  const candidates = playbook.languages ?? [...new Set(texts.flatMap((t) => Object.keys(t)))]
  const complete = candidates.filter((lang) => texts.every((t) => entryFor(t, lang) !== undefined))
  return [playbook.language, ...complete.filter((lang) => baseOf(lang) !== baseOf(playbook.language))]
})

/** The language to answer this lead in: theirs when the playbook speaks it, else the playbook's. */
export function speakingLanguage (playbook: Playbook, leadLanguage: string): string {
  const spoken = spokenLanguages(playbook)
  return spoken.find((l) => l === leadLanguage) ?? spoken.find((l) => baseOf(l) === baseOf(leadLanguage)) ?? playbook.language
}
