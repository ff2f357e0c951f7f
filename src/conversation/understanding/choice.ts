import { readAmountBound, type Bound } from './amount.js'
import { readTimelineBound } from './timeline.js'
import { byWord, plain } from './text.js'

// Which of a field's choices the lead picked, from a button's title, a number, a phrase or an amount.

/** A choice of a qualification field, as the playbook declares it. */
export interface ChoiceSpec {
  value: string
  /** The button's text per language: { 'pt-BR': 'Até R$ 1.000', en: 'Up to R$ 1,000' }. */
  title: Readonly<Record<string, string>>
  /** Other ways a lead says it, per language. */
  synonyms?: Readonly<Record<string, readonly string[]>> | undefined
  /** A range of the field's measure (an amount, or months): min inclusive, max exclusive. */
  min?: number | undefined
  max?: number | undefined
}

export interface ChoiceOptions {
  /** The bot just asked this field: a bare "2" or "a segunda" then picks the second choice. */
  asked: boolean
  /** What min/max count; without it, an amount of money. */
  measure?: 'amount' | 'months' | undefined
}

/** The value of the choice the text picks, or undefined. */
export function readChoice (text: string, choices: readonly ChoiceSpec[], opts: ChoiceOptions): string | undefined {
  if (choices.length === 0) return undefined
  return byTitle(text, choices) ??
    (opts.asked ? byPosition(text, choices) : undefined) ??
    byPhrase(text, choices) ??
    byMeasure(text, choices, opts)
}

const phrasesOf = (c: ChoiceSpec): string[] =>
  [...Object.values(c.title), ...Object.values(c.synonyms ?? {}).flat()].map(plain).filter((p) => p !== '')

/** The whole text is a title (any language) or the value itself: a quick reply clicked. */
function byTitle (text: string, choices: readonly ChoiceSpec[]): string | undefined {
  const said = plain(text)
  return choices.find((c) => Object.values(c.title).some((t) => plain(t) === said) || plain(c.value.replace(/_/g, ' ')) === said || c.value === text.trim())?.value
}

const ORDINALS = byWord([
  [1, ['primeira', 'primeiro', 'first', 'primera', 'primero', '1a', '1o']], [2, ['segunda', 'segundo', 'second', '2a', '2o']],
  [3, ['terceira', 'terceiro', 'third', 'tercera', 'tercero', '3a', '3o']], [4, ['quarta', 'quarto', 'fourth', 'cuarta', 'cuarto']], [5, ['quinta', 'quinto', 'fifth']],
])
const LAST = new Set(['ultima', 'ultimo', 'last'])
const POSITION = /^(?:(?:a|o|the|la|el|option|opcao|opcion|alternativa|numero|number|nro|n|no|item|letra|letter)\s+)*(?<which>\d{1,2}|[a-z0-9]+)(?:\s+(?:one|opcao|option|opcion|alternativa))?(?:\s+(?:please|pls|por favor|pf))?$/

/** "2", "2.", "opção 2", "a segunda", "the second one", "la 2", "a última": only right after the question. */
function byPosition (text: string, choices: readonly ChoiceSpec[]): string | undefined {
  const which = plain(text.replace(/[#º°ª]/g, ' ')).match(POSITION)?.groups?.['which']
  if (which === undefined) return undefined
  const n = /^\d+$/.test(which) ? Number(which) : LAST.has(which) ? choices.length : ORDINALS[which]
  return n !== undefined && n >= 1 && n <= choices.length ? choices[n - 1]?.value : undefined
}

const NEGATION = /(?:^|\s)(?:nao|not|no|sem|nem|never|nunca|without|sin|isnt|nada)(?:\s+(?:e|eh|is|es|tao|so|muy|very|muito|tan))?\s*$/

/** The longest title or synonym found inside the text, unless negated ("não é urgente"). */
function byPhrase (text: string, choices: readonly ChoiceSpec[]): string | undefined {
  const said = ` ${plain(text)} `
  let best: { value: string, length: number } | undefined
  for (const choice of choices) {
    for (const phrase of phrasesOf(choice)) {
      const at = said.indexOf(` ${phrase} `)
      if (at < 0 || NEGATION.test(said.slice(0, at + 1).trimEnd())) continue
      if (best === undefined || phrase.length > best.length) best = { value: choice.value, length: phrase.length }
    }
  }
  return best?.value
}

/** An amount or a number of months inside a choice's [min, max): "uns 3 mil", "em 2 meses". */
function byMeasure (text: string, choices: readonly ChoiceSpec[], opts: ChoiceOptions): string | undefined {
  if (!choices.some((c) => c.min !== undefined || c.max !== undefined)) return undefined
  const measure = opts.measure ?? 'amount'
  const reading = measure === 'months' ? monthsOf(text, opts.asked) : amountOf(text, opts.asked)
  if (reading === undefined) return undefined
  // "até mil", "less than 3 months": the bound itself is out, what is just under it is in.
  const step = measure === 'months' ? 0.01 : 1
  const value = reading.bound === 'upper' ? reading.value - step : reading.value
  return choices.find((c) => value >= (c.min ?? -Infinity) && (c.max === undefined || value < c.max))?.value
}

// A bare number is an amount only as the answer to the budget question, and not a small one
// ("5" is more likely an option that does not exist than five reais).
function amountOf (text: string, asked: boolean): { value: number, bound: Bound } | undefined {
  const reading = readAmountBound(text)
  return reading !== undefined && (reading.explicit || (asked && reading.value >= 100)) ? reading : undefined
}

// A span of time is a deadline only as the answer to the timeline question: elsewhere "hoje
// demoramos horas", "300 msgs a day" or "tenho 5 anos de experiência" describe something else.
// (Outside it, a choice's title or synonym, "mês que vem", still reads.)
function monthsOf (text: string, asked: boolean): { value: number, bound: Bound } | undefined {
  const reading = asked ? readTimelineBound(text) : undefined
  return reading === undefined ? undefined : { value: reading.months, bound: reading.bound }
}
