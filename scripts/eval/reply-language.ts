// Which language a bot reply is in. The bot's replies are mostly the playbook's own texts (greeting,
// questions, handoff…), so a reply is first matched against those, language by language; what
// matches none (a model's free answer, the media-only text) is judged by common words.
import type { Localized, Playbook } from '../../src/conversation/playbook.js'

export const foldText = (text: string): string =>
  text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()

const STOPWORDS: Record<string, readonly string[]> = {
  'pt-BR': ['voce', 'nao', 'para', 'com', 'uma', 'por', 'aqui', 'seu', 'sua', 'obrigada', 'obrigado', 'consigo', 'mensagens', 'pode', 'tudo', 'bem', 'ola', 'qual', 'empresa', 'e', 'o', 'do', 'da', 'em', 'so', 'mas', 'isso', 'nos', 'vamos', 'te'],
  en: ['you', 'the', 'and', 'your', 'to', 'i', 'can', 'we', 'our', 'is', 'it', 'with', 'what', 'here', 'thanks', 'please', 'of', 'for', 'will', 'just', 'only', 'could', 'hi', 'which'],
  es: ['tu', 'que', 'para', 'con', 'una', 'por', 'aqui', 'gracias', 'puedes', 'usted', 'nos', 'te', 'el', 'la', 'en', 'es', 'de', 'solo', 'pero', 'hola', 'cual', 'empresa', 'y', 'como', 'escribirlo'],
}

/** Pieces of every localized text of the playbook, per language, long enough to be telling. */
function fragments (playbook: Playbook): Map<string, string[]> {
  const texts: Localized[] = [
    ...Object.values(playbook.texts),
    ...playbook.qualification.fields.map((f) => f.question),
  ]
  const out = new Map<string, string[]>()
  for (const t of texts) {
    for (const [lang, text] of Object.entries(t)) {
      const pieces = text.split(/\{\w+\}/).map(foldText).filter((p) => p.length >= 12)
      out.set(lang, [...(out.get(lang) ?? []), ...pieces])
    }
  }
  return out
}

const cache = new WeakMap<Playbook, Map<string, string[]>>()

/** The reply's language, or undefined when nothing tells. Base tags compare ("es-AR" → "es"). */
export function replyLanguage (reply: string, playbook: Playbook): string | undefined {
  const folded = ` ${foldText(reply)} `
  let known = cache.get(playbook)
  if (known === undefined) {
    known = fragments(playbook)
    cache.set(playbook, known)
  }
  const byTexts = best([...known].map(([lang, pieces]) => [lang, pieces.filter((p) => folded.includes(` ${p} `)).length]))
  if (byTexts !== undefined) return byTexts
  const words = folded.trim().split(' ')
  return best(Object.entries(STOPWORDS).map(([lang, list]) => [lang, words.filter((w) => list.includes(w)).length]))
}

function best (scores: Array<[string, number]>): string | undefined {
  const sorted = scores.filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
  const [first, second] = sorted
  if (first === undefined || (second !== undefined && second[1] === first[1])) return undefined
  return first[0]
}

/** Same language, comparing base tags: "es-AR" is "es", "pt" is "pt-BR". */
export const sameLanguage = (a: string | undefined, b: string): boolean =>
  a !== undefined && a.split('-')[0]?.toLowerCase() === b.split('-')[0]?.toLowerCase()
