import { ACKNOWLEDGEMENTS, LAUGHTER, ROMANCE, TELLTALE, WEAK, type Base } from './language-words.js'
import { baseOf } from './localized.js'

// The lead's language from their own words. Short chat messages ("qnto custa", "cuanto sale", "ok",
// "👍") defeat n-gram detectors, which also never say "I can't tell": this one counts telltale words
// and a few spellings only one of pt-BR, English and Spanish has, and names a language only when it
// leads by a margin. Measured on test/fixtures/language (scripts/language-accuracy.ts).

export const DEFAULT_LANGUAGES = ['pt-BR', 'en', 'es'] as const

const BASES: readonly Base[] = ['pt', 'en', 'es']
const WORD = 1
const HINT = 0.5
// One telltale word is enough ("hola", "stop"); two hints are ("transferência"); a lead of half a
// point over the runner-up is needed so that one word of each language ("ok gracias thanks") stays mute.
const ENOUGH = 1
const MARGIN = 0.5
/** What a conversation under way needs to change language: two telltale words, and two more than its own. */
const SWITCH = 2 * WORD

const WEIGHTS = buildWeights()

function buildWeights (): Map<string, Partial<Record<Base, number>>> {
  const weights = new Map<string, Partial<Record<Base, number>>>()
  for (const base of BASES) {
    for (const word of TELLTALE[base]) weights.set(word, { [base]: WORD })
    for (const word of WEAK[base]) weights.set(word, { [base]: HINT })
  }
  for (const word of ROMANCE) weights.set(word, { pt: HINT, es: HINT })
  return weights
}

// Spellings of words no list knows. Checked on the word as typed (accents kept) and folded.
const SPELLING: ReadonlyArray<[RegExp, Base]> = [
  [/[ãõçêôâ]|(?:cao|coes|oes|aes)$|nh|lh/, 'pt'],
  [/ñ|(?:cion|ciones|idad|idades)$|^ll/, 'es'],
  [/th|w|ck|sh|(?:ing|ings|tion|tions|ly|ness)$|'(?:s|t|re|ve|ll|d|m)$|[^aeiouy]y$/, 'en'],
]

// Not words of the lead's language: addresses, numbers and handles.
const NOISE = [
  /\bhttps?:\/\/\S+|\bwww\.\S+/giu,
  /[^\s@<>(),;:]+@[^\s@<>(),;:]+\.[a-z]{2,}/giu,
  /\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|io|ai|app|dev|co|br|ar|mx|es|cl|pe|uy|us|uk)(?:\.[a-z]{2})?\b(?:\/\S*)?/giu,
  /(?:^|\s)@\w+/gu,
  /\b(?:R|US|U\$S|AR|MX|CO|CL)?\$\s*\d[\d.,]*/giu,
]
const TOKEN = /[\p{L}\p{N}][\p{L}\p{M}\p{N}'’-]*/gu
const SENTENCE_END = /[.!?\n]/
const ENGLISH_I = /^I(?:['’](?:m|d|ll|ve))?$/

function foldWord (word: string): string {
  return word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/’/g, "'").replace(/['-]+$/, '')
}

/** The words that may tell a language: no numbers, no addresses, no capitalised names mid-sentence. */
export function wordsOf (text: string): string[] {
  const clean = NOISE.reduce((t, re) => t.replace(re, ' '), text)
  const tokens = [...clean.matchAll(TOKEN)].filter((m) => !/\p{N}/u.test(m[0]))
  // A lead who types in capitals or Title Case has no names to tell apart: keep every word then.
  const dropNames = tokens.some((m) => /^\p{Ll}/u.test(m[0]))
  const out: string[] = []
  let end = 0
  for (const match of tokens) {
    const word = match[0]
    const startsSentence = out.length === 0 || SENTENCE_END.test(clean.slice(end, match.index))
    end = match.index + word.length
    if (dropNames && !startsSentence && /^\p{Lu}/u.test(word) && !ENGLISH_I.test(word)) continue
    out.push(word)
  }
  return out
}

function weightOf (word: string): Partial<Record<Base, number>> | undefined {
  const folded = foldWord(word)
  if (LAUGHTER.test(folded)) return undefined
  // "holaa", "obrigadooo", "oii": a stretched word is the word.
  const known = WEIGHTS.get(folded) ?? WEIGHTS.get(folded.replace(/(\p{L})\1+/gu, '$1'))
  if (known !== undefined) return known
  const lower = word.toLowerCase()
  for (const [re, base] of SPELLING) if (re.test(lower) || re.test(folded)) return { [base]: HINT }
  return undefined
}

/** Points per language base; none when only yes/no/ok words speak (those tell nothing). */
export function languageScores (text: string): Record<Base, number> {
  const scores: Record<Base, number> = { pt: 0, en: 0, es: 0 }
  const words = wordsOf(text)
  if (words.every((w) => ACKNOWLEDGEMENTS.has(foldWord(w).replace(/(\p{L})\1+/gu, '$1')) || LAUGHTER.test(foldWord(w)))) return scores
  for (const word of words) {
    const weight = weightOf(word)
    for (const base of BASES) scores[base] += weight?.[base] ?? 0
  }
  if (/[¿¡]/.test(text)) scores.es += WORD
  // "no" before a pronoun is Spanish negation ("no me interesa", "no se"); pt says "não me".
  if (/(?:^|[^\p{L}])no (?:me|te|se|lo|la|le|les|nos)(?![\p{L}])/iu.test(text)) scores.es += WORD
  return scores
}

/**
 * The language `text` is written in, as one of `candidates` (BCP-47 tags, matched by base: "pt"
 * matches "pt-BR", and the tag is returned as given), or undefined when the text does not tell:
 * "ok", "👍", "2", an e-mail, a name, or words of two languages in a tie.
 */
export function languageOf (text: string, candidates: readonly string[] = DEFAULT_LANGUAGES): string | undefined {
  return leaderOf(languageScores(text), candidates)
}

/** The candidate whose base leads the scores by the margin, if any. */
function leaderOf (scores: Record<Base, number>, candidates: readonly string[]): string | undefined {
  const ranked = Object.entries(scores).sort((a, b) => b[1] - a[1])
  const [first, second] = ranked
  if (first === undefined || first[1] < ENOUGH || first[1] - (second?.[1] ?? 0) < MARGIN) return undefined
  return candidates.find((tag) => baseOf(tag) === first[0])
}

/**
 * The lead's language after this message: sticky, so "ok", "sim", numbers and emoji keep `current`;
 * a message that clearly tells another candidate language switches to it. A burst joined by "\n" is
 * judged as a whole.
 */
export function detectLeadLanguage (text: string, current: string, candidates: readonly string[] = DEFAULT_LANGUAGES): string {
  return languageOf(text, candidates) ?? current
}

/**
 * Like detectLeadLanguage, for a conversation already under way in `current`: a switch needs two
 * telltale words more than `current` has, so one weak word ("brilliant, ta", "en dos semanas",
 * "lá para o próximo trimestre") never flips the language the lead reads.
 */
export function continueLeadLanguage (text: string, current: string, candidates: readonly string[] = DEFAULT_LANGUAGES): string {
  const scores = languageScores(text)
  const found = leaderOf(scores, candidates)
  if (found === undefined || baseOf(found) === baseOf(current)) return current
  const theirs = scores[baseOf(found) as Base] ?? 0
  const ours = scores[baseOf(current) as Base] ?? 0
  return theirs >= SWITCH && theirs - ours >= SWITCH ? found : current
}

/** The lines of a reply that are clearly in another language than `language` (e.g. a model's slip). */
export function linesNotIn (text: string, language: string, candidates: readonly string[] = DEFAULT_LANGUAGES): string[] {
  return text.split('\n').filter((line) => {
    const lang = languageOf(line, candidates)
    return lang !== undefined && baseOf(lang) !== baseOf(language)
  })
}

/** A language's name, folded, as leads write it in the three languages. */
const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  portugues: 'pt-BR',
  portuguese: 'pt-BR',
  ingles: 'en',
  english: 'en',
  espanol: 'es',
  spanish: 'es',
  castellano: 'es',
  espanhol: 'es',
}
const ASKS_FOR_LANGUAGE = new RegExp(`\\b(?:em|en|in|no|na|speak|speaks|fala|falam|falas|habla|hablan|hablas|hablar|falar)\\s+(${Object.keys(LANGUAGE_NAMES).join('|')})\\b`)

/** "hablas español?", "can we continue in English?", "prefiro em português": the lead asks for a language. */
export function requestedLanguage (said: string): string | undefined {
  const folded = said.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
  const m = folded.match(ASKS_FOR_LANGUAGE)
  // "I don't speak Portuguese" asks for anything but Portuguese: the words around it decide.
  if (m?.index !== undefined && /\b(dont|don't|do not|cant|can't|nao|no)\s+(\w+\s+)?$/.test(folded.slice(0, m.index))) return undefined
  const name = m?.[1]
  return name === undefined ? undefined : LANGUAGE_NAMES[name]
}
