import type { Bound } from './amount.js'
import { anyOf, byWord, fold } from './text.js'
import { isInstruction } from './utterance.js'

// When the lead needs it, in months from now: "em 2 meses" → 2, "semana que vem" → 0, "só pesquisando" → Infinity.

export interface TimelineReading { months: number, bound: Bound }

// No date at all: the lead is only looking. Read first, so "não é urgente" never counts as "urgente".
const NO_DATE = [
  'so pesquisando', 'apenas pesquisando', 'estou pesquisando', 'pesquisando', 'so olhando', 'so vendo', 'so cotando', 'so curiosidade', 'curiosidade', 'sem pressa',
  'nao tenho pressa', 'nao temos pressa', 'sem previsao', 'sem prazo', 'nao e urgente', 'sem urgencia', 'nao ha pressa', 'just looking', 'just researching', 'just browsing',
  'researching', 'browsing', 'no rush', 'no hurry', 'not in a hurry', 'no timeline', 'no deadline', 'not urgent', 'just curious', 'solo mirando', 'solo estoy mirando',
  'solo investigando', 'investigando', 'solo cotizando', 'sin prisa', 'sin apuro', 'no hay apuro', 'no hay prisa', 'no tengo prisa', 'no es urgente', 'sin urgencia', 'sin fecha',
]
const FIXED: ReadonlyArray<readonly [number, readonly string[]]> = [
  [0, [
    'este mes', 'esse mes', 'neste mes', 'nesse mes', 'ainda este mes', 'this month', 'urgente', 'urgent', 'urgencia', 'urgently', 'asap', 'a s a p', 'o quanto antes', 'quanto antes',
    'o mais rapido possivel', 'o mais rapido', 'imediatamente', 'imediato', 'pra ontem', 'para ontem', 'pra ja', 'right away', 'immediately', 'as soon as possible', 'yesterday',
    'lo antes posible', 'cuanto antes', 'inmediato', 'inmediatamente', 'de inmediato', 'para ayer', 'hoje', 'amanha', 'today', 'tomorrow', 'hoy', 'esta semana', 'essa semana',
    'nesta semana', 'this week', 'semana que vem', 'proxima semana', 'na proxima semana', 'next week', 'la proxima semana', 'la semana que viene', 'fim do mes', 'final do mes',
    'end of the month', 'end of month', 'fin de mes', 'fin del mes', 'right now', 'agora mesmo', 'ya mismo', 'ahora mismo',
    'para ja', 'pra agora', 'para agora', 'o mais breve possivel', 'o mais rapido que der', 'o quanto antes melhor', 'quanto antes melhor', 'o mais cedo possivel', 'com urgencia',
    'pra hoje', 'pra amanha', 'essa semana ainda', 'ainda essa semana', 'ainda hoje', 'to com pressa', 'estou com pressa', 'tenho pressa', 'temos pressa', 'e urgente', 'bem urgente',
    'para ya', 'lo mas rapido posible', 'lo mas rapido', 'lo mas pronto posible', 'lo mas pronto', 'a la brevedad', 'a la brevedad posible', 'urgentemente', 'ahorita',
    'para ahorita', 'para hoy', 'para manana', 'esta misma semana', 'tengo prisa', 'tenemos prisa', 'estoy apurado', 'estoy apurada', 'es urgente', 'lo antes que se pueda',
    'the sooner the better', 'sooner the better', 'as soon as we can', 'as fast as possible', 'as quickly as possible', 'like yesterday', 'by tomorrow', 'by today',
    'in a hurry', 'need it now', 'need it yesterday', 'for yesterday', 'immediate', 'imediata', 'inmediata',
  ]],
  [1, [
    'mes que vem', 'proximo mes', 'no mes que vem', 'no proximo mes', 'next month', 'el mes que viene', 'el proximo mes', 'mes proximo', 'within a month', 'in a month or so',
    'early next month', 'el mes entrante', 'mes entrante',
  ]],
  [1.5, ['este trimestre', 'esse trimestre', 'neste trimestre', 'this quarter', 'este trimestre']],
  [3, [
    'proximo trimestre', 'trimestre que vem', 'next quarter', 'el proximo trimestre', 'alguns meses', 'poucos meses', 'proximos meses', 'nos proximos meses', 'few months',
    'a few months', 'coming months', 'next few months', 'unos meses', 'pocos meses', 'proximos meses', 'los proximos meses',
  ]],
  [6, [
    'proximo semestre', 'semestre que vem', 'segundo semestre', 'next semester', 'second half', 'next half', 'el proximo semestre', 'el segundo semestre', 'fim do ano',
    'final do ano', 'end of the year', 'end of year', 'later this year', 'fin de ano', 'fin del ano', 'finales de ano', 'este ano', 'this year',
  ]],
  [12, ['ano que vem', 'proximo ano', 'no ano que vem', 'no proximo ano', 'next year', 'el ano que viene', 'el proximo ano', 'el ano proximo', 'ano proximo']],
]
// Alone they mean "now"; inside a sentence ("agora usamos planilhas") they do not.
const NOW_ALONE = /^(?:agora|ja|now|ya|ahora|hoje|hoy|today|logo|pronto|soon)$/

const NUMBERS = byWord([
  [0.5, ['meio', 'half a', 'medio']], [1, ['um', 'uma', 'a', 'an', 'one', 'un', 'uno']], [2, ['dois', 'duas', 'two', 'dos', 'a couple of', 'a couple', 'couple of', 'couple', 'um par de', 'un par de', 'par de']],
  [3, ['tres', 'three']], [4, ['quatro', 'four', 'cuatro']], [5, ['cinco', 'five']], [6, ['seis', 'six']], [7, ['sete', 'seven', 'siete']], [8, ['oito', 'eight', 'ocho']],
  [9, ['nove', 'nine', 'nueve']], [10, ['dez', 'ten', 'diez']], [12, ['doze', 'twelve', 'doce']], [15, ['quinze', 'fifteen', 'quince']],
  [20, ['vinte', 'twenty', 'veinte']], [30, ['trinta', 'thirty', 'treinta']],
])
const UNIT_MONTHS: ReadonlyArray<readonly [RegExp, number]> = [
  [/^(?:dias?|days?)$/, 1 / 30], [/^(?:semanas?|weeks?)$/, 1 / 4], [/^(?:mes|meses|months?)$/, 1], [/^(?:anos?|years?)$/, 12],
]
const UPPER = ['ate', 'em ate', 'dentro de', 'no maximo', 'within', 'in less than', 'less than', 'up to', 'no more than', 'hasta', 'en menos de', 'menos de', 'como maximo', 'en hasta']
const DURATION = new RegExp(
  `(?<![\\p{L}])(?<cue>(?:${anyOf([...UPPER, 'em', 'daqui a', 'daqui', 'nos proximos', 'in', 'in the next', 'over the next', 'en', 'en los proximos', 'dentro de los proximos'])})\\s+)?` +
  '(?:(?:uns|umas|unos|unas|about|around|like|roughly|some|cerca de|mais ou menos|aproximadamente|aprox|alrededor de|tipo)\\s+)?' +
  `(?<n>\\d+(?:[.,]\\d+)?|${anyOf(Object.keys(NUMBERS))})\\s+(?<unit>dias?|days?|semanas?|weeks?|mes|meses|months?|anos?|years?)(?![\\p{L}])`, 'u')
const NO_DATE_RE = new RegExp(`(?<![\\p{L}])(?:${anyOf(NO_DATE)})(?![\\p{L}])`, 'u')
const FIXED_RE = FIXED.map(([months, phrases]) => [months, new RegExp(`(?<![\\p{L}])(?:${anyOf(phrases)})(?![\\p{L}])`, 'u')] as const)
const UPPER_RE = new RegExp(`^(?:${anyOf(UPPER)})\\s+$`)

/** When the lead needs it, in months, with "até 3 meses" / "within 3 months" kept as an upper bound. */
export function readTimelineBound (text: string): TimelineReading | undefined {
  if (isInstruction(text)) return undefined
  // Chat shorthand: "mes q vem" is "mes que vem", "prox mes" is "proximo mes".
  const f = fold(text).replace(/[^\p{L}\d.,\s]+/gu, ' ').replace(/\s+/g, ' ').trim()
    .replace(/(?<![\p{L}])(?:q|qe|ke)(?![\p{L}])/gu, 'que').replace(/(?<![\p{L}])prox(?![\p{L}])/gu, 'proximo')
    // "2k a month", "500 reais por mês": a rate of money, not a date.
    .replace(/(\d\s*(?:k|mil|grand|reais|reales|bucks|dollars|dolares|pesos|usd|brl|euros)?|(?<![\p{L}])(?:k|mil|grand|reais|reales|bucks|dollars|dolares|pesos|usd|brl|euros))\s+(?:a|an|per|por|al|ao|each|every|um|uma|cada)\s+(?:month|mes|week|semana|year|ano)(?![\p{L}])/gu, '$1')
  if (NO_DATE_RE.test(f)) return { months: Infinity, bound: 'about' }
  const duration = f.match(DURATION)
  if (duration?.groups !== undefined) {
    const { cue, n, unit } = duration.groups
    const count = /^\d/.test(n ?? '') ? Number((n ?? '').replace(',', '.')) : NUMBERS[n ?? ''] ?? 1
    const perUnit = UNIT_MONTHS.find(([re]) => re.test(unit ?? ''))?.[1] ?? 1
    return { months: count * perUnit, bound: cue !== undefined && UPPER_RE.test(cue) ? 'upper' : 'about' }
  }
  const fixed = FIXED_RE.find(([, re]) => re.test(f))
  if (fixed !== undefined) return { months: fixed[0], bound: 'about' }
  return NOW_ALONE.test(f) ? { months: 0, bound: 'about' } : undefined
}

/** "em 2 meses" → 2, "next quarter" → 3, "asap" / "semana que vem" → 0, "ano que vem" → 12, "just looking" → Infinity. */
export function readTimelineMonths (text: string): number | undefined {
  return readTimelineBound(text)?.months
}
