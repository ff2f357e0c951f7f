// Small text helpers shared by the reading rules. Kept here (not imported from the scripted brain)
// so the understanding modules stand alone.

/** Lower case without accents, so "Não" and "nao" read alike. */
export function fold (text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

/**
 * `fold`, one character for one character: an index in the folded text is the same index in
 * `text.normalize('NFC')`, so a match found on folded text can be cut from what the lead wrote.
 */
export function foldAligned (text: string): string {
  let out = ''
  for (const ch of text) {
    const folded = fold(ch)
    out += folded.length === ch.length ? folded : ch.toLowerCase().length === ch.length ? ch.toLowerCase() : ch
  }
  return out
}

/** Folded, with punctuation and emoji turned into spaces and spaces collapsed: "Ok!! 👍" → "ok". */
export function plain (text: string): string {
  return fold(text).replace(/[^\p{L}\p{N}'@]+/gu, ' ').replace(/\s+/g, ' ').trim()
}

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/]/g

/**
 * A regex alternation of phrases (already folded), longest first so "gerente de vendas" wins over
 * "gerente"; a space in a phrase matches any run of spaces.
 */
export function anyOf (phrases: readonly string[]): string {
  return [...new Set(phrases)]
    .sort((a, b) => b.length - a.length)
    .map((p) => p.replace(REGEX_SPECIALS, '\\$&').replace(/ +/g, '\\s+'))
    .join('|')
}

/** A whole-word test for folded text: `\b` is ASCII-only, these lookarounds know accents. */
export const WORD_START = '(?<![\\p{L}\\p{N}])'
export const WORD_END = '(?![\\p{L}\\p{N}])'

/** A regex (unicode) matching any of the phrases as whole words. */
export function wordsRegex (phrases: readonly string[], flags = 'u'): RegExp {
  return new RegExp(`${WORD_START}(?:${anyOf(phrases)})${WORD_END}`, flags)
}

const PARTICLES = new Set(['da', 'de', 'do', 'das', 'dos', 'del', 'la', 'e', 'y', 'van', 'von', 'di'])

/** "joao DA silva" → "Joao da Silva"; a word already mixed-case ("McDonald") is kept. */
export function titleCase (name: string): string {
  return name.trim().split(/\s+/).map((word) => {
    const lower = word.toLowerCase()
    if (PARTICLES.has(lower)) return lower
    const mixed = word !== lower && word !== word.toUpperCase()
    return mixed ? word : lower.charAt(0).toUpperCase() + lower.slice(1)
  }).join(' ')
}

/** The words of a text, folded: letters and digits only. */
export function wordsOf (text: string): string[] {
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '')
}

/** [[2, ['dois', 'two']]] → { dois: 2, two: 2 }. */
export function byWord (groups: ReadonlyArray<readonly [number, readonly string[]]>): Record<string, number> {
  return Object.fromEntries(groups.flatMap(([value, words]) => words.map((w) => [w, value])))
}
