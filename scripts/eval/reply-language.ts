// Which language a bot's text is in, judged line by line: a reply that greets in English, answers
// in Portuguese and asks in English has a Portuguese line, and that line is wrong for an English
// lead however the rest reads. Written apart from the bot's own detector on purpose: the eval must
// catch it when it is wrong. The bot's lines are mostly the playbook's own texts (greeting,
// questions, FAQ answers, button titles…), so a line is first matched against those, language by
// language; what matches none (a model's free answer) is judged by common words.
import type { Playbook } from '../../src/conversation/playbook.js'

export const foldText = (text: string): string =>
  text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()

// Words common in one language and rare in the others; a word two languages share counts for both
// (a tie tells nothing). Folded: no accents, lower case.
const STOPWORDS: Record<string, readonly string[]> = {
  'pt-BR': [
    'voce', 'voces', 'nao', 'sim', 'para', 'pra', 'com', 'uma', 'um', 'por', 'aqui', 'seu', 'sua', 'seus', 'obrigada', 'obrigado',
    'consigo', 'mensagens', 'pode', 'posso', 'tudo', 'bem', 'ola', 'oi', 'qual', 'quais', 'empresa', 'e', 'o', 'os', 'do', 'da',
    'dos', 'das', 'em', 'no', 'na', 'so', 'mas', 'isso', 'isto', 'nos', 'vamos', 'te', 'ate', 'mes', 'meses', 'esta', 'este', 'essa',
    'esse', 'tem', 'temos', 'muito', 'entao', 'que', 'como', 'quando', 'onde', 'vai', 'vou', 'ja', 'ainda', 'tambem', 'agora',
    'pessoa', 'nosso', 'nossa', 'conversa', 'planos', 'sao', 'dependem', 'preciso', 'precisa', 'cargo', 'telefone', 'orcamento',
    'prazo', 'certo', 'claro', 'perfeito', 'combinado', 'desculpe', 'ajudar', 'consultor', 'proposta', 'mensais', 'atendentes',
    'voltar', 'falar', 'chamar', 'seria', 'ficou', 'tchau', 'abraco', 'exemplo', 'pesquisando', 'acima',
  ],
  en: [
    'you', 'the', 'and', 'your', 'to', 'i', 'can', 'we', 'our', 'is', 'it', 'with', 'what', 'here', 'thanks', 'thank', 'please',
    'of', 'for', 'will', 'just', 'only', 'could', 'hi', 'hello', 'which', 'are', 'do', 'does', 'have', 'has', 'an', 'my', 'this',
    'that', 'team', 'someone', 'shortly', 'sure', 'yes', 'company', 'role', 'phone', 'email', 'budget', 'month', 'months', 'when',
    'how', 'much', 'price', 'plans', 'monthly', 'depend', 'depends', 'consultant', 'proposal', 'got', 'sent', 'get', 'right', 'up',
    'name', 'start', 'need', 'would', 'like', 'bye', 'goodbye', 'example', 'researching', 'above', 'from', 'by', 'on', 'there',
  ],
  es: [
    'tu', 'tus', 'usted', 'que', 'para', 'con', 'una', 'un', 'por', 'aqui', 'gracias', 'puedes', 'puedo', 'nos', 'te', 'el', 'los',
    'las', 'la', 'en', 'es', 'de', 'del', 'solo', 'pero', 'hola', 'cual', 'cuales', 'empresa', 'y', 'como', 'escribirlo', 'muy',
    'esta', 'este', 'eso', 'esto', 'tiene', 'tienen', 'tenemos', 'mes', 'meses', 'hasta', 'cuando', 'donde', 'ya', 'todavia',
    'tambien', 'ahora', 'equipo', 'persona', 'nuestro', 'nuestra', 'conversacion', 'planes', 'son', 'dependen', 'necesita',
    'necesitas', 'cargo', 'telefono', 'presupuesto', 'plazo', 'claro', 'perfecto', 'acuerdo', 'disculpa', 'ayudar', 'correo',
    'lo', 'le', 'al', 'mas', 'si', 'sin', 'problema', 'escribe', 'llamas', 'consultor', 'propuesta', 'mensuales', 'agentes',
    'hablar', 'adios', 'ejemplo', 'investigando', 'encima', 'nombre', 'tu', 'usted', 'quieres',
  ],
}

/** The playbook's localized texts, anywhere in it: an object whose keys are all language tags. */
const LANGUAGE_TAG = /^[a-z]{2}(-[A-Z]{2})?$/

function collect (node: unknown, fallback: string, out: Array<[string, string]>, path: string): void {
  if (typeof node === 'string') {
    // A plain string where the playbook writes lead-facing text means the playbook's language.
    if (/(^|\.)(answer|question|facts|summary|title)(\.\d+)?$/.test(path)) out.push([fallback, node])
    return
  }
  if (Array.isArray(node)) {
    node.forEach((n, i) => collect(n, fallback, out, `${path}.${i}`))
    return
  }
  if (typeof node !== 'object' || node === null) return
  const entries = Object.entries(node)
  if (entries.length > 0 && entries.every(([k, v]) => LANGUAGE_TAG.test(k) && typeof v === 'string')) {
    for (const [k, v] of entries) out.push([k, v as string])
    return
  }
  for (const [k, v] of entries) {
    // Private notes are never said to a lead; labels are for the team; keywords and synonyms are the lead's words.
    if (['private_notes', 'keywords', 'synonyms', 'phrases', 'patterns', 'labels', 'label', 'persona', 'costs'].includes(k)) continue
    collect(v, fallback, out, path === '' ? k : `${path}.${k}`)
  }
}

interface Known {
  /** Pieces of texts, per language, long enough to be telling (folded). */
  readonly fragments: ReadonlyMap<string, readonly string[]>
  /** Whole texts (button titles), per language, accents kept: "Este mês" is not "Este mes". */
  readonly wholes: ReadonlyMap<string, ReadonlySet<string>>
}

function knownTexts (playbook: Playbook): Known {
  const texts: Array<[string, string]> = []
  collect(playbook, playbook.language, texts, '')
  const fragments = new Map<string, string[]>()
  const wholes = new Map<string, Set<string>>()
  for (const [lang, text] of texts) {
    const pieces = text.split(/\{\w+\}/).map(foldText).filter((p) => p.length >= 12)
    fragments.set(lang, [...(fragments.get(lang) ?? []), ...pieces])
    const whole = squeeze(text)
    if (whole !== '' && !/\{\w+\}/.test(text)) wholes.set(lang, new Set([...(wholes.get(lang) ?? []), whole]))
  }
  return { fragments, wholes }
}

const squeeze = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ').trim()

const cache = new WeakMap<Playbook, Known>()
function known (playbook: Playbook): Known {
  let k = cache.get(playbook)
  if (k === undefined) {
    k = knownTexts(playbook)
    cache.set(playbook, k)
  }
  return k
}

/** How strongly each language shows in the text: playbook texts first, then common words. */
function scores (text: string, playbook: Playbook): Array<[string, number]> {
  // An e-mail address or a link is no language ("john@acme.com" is not Portuguese for its "com").
  const folded = foldText(text.replace(/\S+@\S+|https?:\/\/\S+|www\.\S+/giu, ' '))
  if (folded === '') return []
  const k = known(playbook)
  const whole = [...k.wholes].map(([lang, set]): [string, number] => [lang, set.has(squeeze(text)) ? 1 : 0]).filter(([, n]) => n > 0)
  if (whole.length > 0) return whole
  const padded = ` ${folded} `
  const byTexts = [...k.fragments].map(([lang, pieces]): [string, number] => [lang, pieces.filter((p) => padded.includes(` ${p} `)).length]).filter(([, n]) => n > 0)
  if (byTexts.length > 0) return byTexts
  const words = folded.split(' ')
  return Object.entries(STOPWORDS).map(([lang, list]): [string, number] => [lang, words.filter((w) => list.includes(w)).length]).filter(([, n]) => n > 0)
}

/** The text's language, or undefined when nothing tells (a tie, a name, an emoji). */
export function replyLanguage (text: string, playbook: Playbook): string | undefined {
  const sorted = scores(text, playbook).sort((a, b) => b[1] - a[1])
  const [first, second] = sorted
  if (first === undefined || (second !== undefined && second[1] === first[1])) return undefined
  return first[0]
}

/**
 * The language the text is in when it is clearly not `expected`; undefined when it is in
 * `expected`, or nothing tells (a name, "😊", an e-mail), or `expected` ties for the lead.
 */
export function otherLanguage (text: string, expected: string, playbook: Playbook): string | undefined {
  const list = scores(text, playbook)
  const top = Math.max(0, ...list.map(([, n]) => n))
  if (top === 0 || list.some(([lang, n]) => n === top && sameLanguage(lang, expected))) return undefined
  const winners = list.filter(([, n]) => n === top)
  return winners.length === 1 ? winners[0]?.[0] : winners.map(([lang]) => lang).join('/')
}

export interface ForeignText {
  /** A line of the reply, or a button's title. */
  readonly text: string
  readonly kind: 'line' | 'button'
  readonly language: string
}

/** Every non-empty line of the reply and every button title that is in another language than `expected`. */
export function foreignLines (reply: string, buttons: readonly string[], expected: string, playbook: Playbook): ForeignText[] {
  const out: ForeignText[] = []
  for (const line of reply.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
    const language = otherLanguage(line, expected, playbook)
    if (language !== undefined) out.push({ text: line, kind: 'line', language })
  }
  for (const title of buttons) {
    const language = otherLanguage(title, expected, playbook)
    if (language !== undefined) out.push({ text: title, kind: 'button', language })
  }
  return out
}

/** Same language, comparing base tags: "es-AR" is "es", "pt" is "pt-BR". */
export const sameLanguage = (a: string | undefined, b: string): boolean =>
  a !== undefined && a.split('-')[0]?.toLowerCase() === b.split('-')[0]?.toLowerCase()
