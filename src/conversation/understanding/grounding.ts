import { readAmount } from './amount.js'
import { fold, wordsOf } from './text.js'

// Whether a value a model extracted is supported by what the lead wrote: a model may title-case or
// trim ("Acme" from "acme logistics"), not invent ("Acme" from a message that never says it).

const STOPWORDS = new Set([
  'a', 'o', 'e', 'de', 'da', 'do', 'das', 'dos', 'em', 'no', 'na', 'nos', 'nas', 'um', 'uma', 'para', 'pra', 'por', 'com', 'que', 'the', 'an', 'of', 'and', 'to', 'in', 'on', 'at',
  'for', 'with', 'by', 'y', 'el', 'la', 'los', 'las', 'en', 'un', 'una', 'con', 'del', 'al', 'es', 'is', 'os', 'as',
])

export interface GroundingOptions {
  /** The key is a choice field: its value is a choice's id, checked against the choices elsewhere. */
  choice?: boolean
}

/** True when every significant word of `value` (most of them, for a long free text) is in the lead's texts. */
export function isGrounded (key: string, value: string, leadTexts: readonly string[], opts: GroundingOptions = {}): boolean {
  if (opts.choice === true) return true
  const trimmed = value.trim()
  if (trimmed === '') return false
  if (key === 'email' || /^[^\s@]+@[^\s@]+$/.test(trimmed)) return leadTexts.some((t) => fold(t).includes(fold(trimmed)))
  if (key === 'phone' || /^\+?[\d\s().-]{8,}$/.test(trimmed)) return phoneGrounded(trimmed, leadTexts)
  return wordsGrounded(trimmed, leadTexts) || amountGrounded(trimmed, leadTexts)
}

function wordsGrounded (value: string, leadTexts: readonly string[]): boolean {
  const said = new Set(leadTexts.flatMap(wordsOf))
  const all = wordsOf(value)
  const significant = all.filter((w) => !STOPWORDS.has(w))
  const words = significant.length > 0 ? significant : all
  if (words.length === 0) return false
  const found = words.filter((w) => said.has(w) || said.has(`${w}s`) || said.has(`${w}es`) || (w.endsWith('s') && said.has(w.slice(0, -1)))).length
  // A short value (a name, a company) must be all there; a longer free text may be lightly rephrased.
  return words.length <= 3 ? found === words.length : found / words.length >= 0.75
}

/** "3000" from "uns 3 mil": the same amount, written another way. */
function amountGrounded (value: string, leadTexts: readonly string[]): boolean {
  const amount = readAmount(value)
  return amount !== undefined && leadTexts.some((t) => readAmount(t) === amount)
}

/** The national digits: without a leading 0, and without 55 when what is left is a Brazilian number. */
function nationalDigits (digits: string): string {
  const rest = digits.replace(/^0+/, '')
  return rest.startsWith('55') && (rest.length === 12 || rest.length === 13) ? rest.slice(2) : rest
}

function phoneGrounded (value: string, leadTexts: readonly string[]): boolean {
  const wanted = nationalDigits(value.replace(/\D/g, ''))
  if (wanted.length < 8) return false
  return leadTexts.some((text) => (text.match(/\+?\d[\d\s().-]*\d/g) ?? []).some((run) => {
    const said = nationalDigits(run.replace(/\D/g, ''))
    return said === wanted || said.endsWith(wanted) || (said.length >= 8 && wanted.endsWith(said))
  }))
}
