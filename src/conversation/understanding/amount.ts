import { anyOf, byWord, fold } from './text.js'
import { isInstruction } from './utterance.js'

// Amounts of money in free text: "R$ 3 mil", "uns 3k", "$2,500/month", "dois mil", "menos de mil".

export type Bound = 'upper' | 'lower' | 'about'
export interface AmountReading {
  value: number
  bound: Bound
  /** Said as money ("R$", "reais", "3 mil", "2k") or next to a budget word, not a bare number. */
  explicit: boolean
}

const CURRENCY_BEFORE = ['r$', 'us$', 'u$', '$', '€', '£', 'usd', 'brl', 'eur']
const CURRENCY_AFTER = ['reais', 'real', 'reales', 'conto', 'quid', 'lukas', 'pila', 'pilas', 'contos', 'dolares', 'dolar', 'dollars', 'dollar', 'bucks', 'euros', 'euro', 'pesos', 'usd', 'brl', 'eur']
// Slang for a thousand: "3 grand", "5 pau" (pt-BR), "dos lucas" (es-AR).
const SCALES = byWord([[1e3, ['mil', 'k', 'thousand', 'thousands', 'grand', 'grands', 'pau', 'paus', 'luca', 'lucas']], [1e6, ['mi', 'milhao', 'milhoes', 'million', 'millions', 'millon', 'millones']]])
// Alone these are no amount ("deu pau", "Lucas", "k"): only after a number.
const SCALE_AFTER_NUMBER_ONLY = new Set(['k', 'mi', 'grand', 'grands', 'pau', 'paus', 'luca', 'lucas'])
// A number followed by one of these counts something other than money.
const NOT_MONEY_UNITS = [
  'dias', 'dia', 'semanas', 'semana', 'meses', 'mes', 'anos', 'ano', 'days', 'day', 'weeks', 'week', 'months', 'month', 'years', 'year', 'horas', 'hora', 'hours', 'hour', 'h',
  'min', 'minutos', 'minutes', 'pessoas', 'funcionarios', 'colaboradores', 'vendedores', 'atendentes', 'lojas', 'unidades', 'filiais', 'clientes', 'leads', 'usuarios', 'users',
  'employees', 'people', 'stores', 'agents', 'agentes', 'empleados', 'personas', 'tiendas', 'sucursales', 'veiculos', 'caminhoes', 'trucks', 'vehicles', 'vehiculos', 'seats',
  'licencas', 'licenses', 'licencias', 'mensagens', 'messages', 'mensajes', 'conversas', 'conversations', 'vezes', 'times', 'veces', 'x', '%', 'por cento', 'percent', 'porcento',
]
const BUDGET_WORDS = [
  'orcamento', 'budget', 'verba', 'investimento', 'investir', 'invest', 'gastar', 'spend', 'presupuesto', 'invertir', 'inversion', 'pagar', 'pay', 'afford', 'mensalidade',
  'por mes', 'per month', 'a month', 'al mes', 'monthly', 'mensal', 'mensual', 'valor', 'price range', 'faixa', 'custo', 'cost',
]
const UPPER_CUES = [
  'ate', 'menos de', 'menos que', 'abaixo de', 'no maximo', 'maximo', 'max', 'nao passa de', 'nao mais que', 'nao mais de', 'less than', 'under', 'below', 'up to', 'at most',
  'no more than', 'hasta', 'como maximo', 'no mas de', 'por debajo de', 'inferior a', 'within',
]
const LOWER_CUES = [
  'mais de', 'mais que', 'acima de', 'a partir de', 'pelo menos', 'no minimo', 'minimo', 'more than', 'over', 'above', 'at least', 'starting at', 'upwards of', 'north of',
  'mas de', 'mas que', 'arriba de', 'por encima de', 'al menos', 'como minimo', 'superior a', 'desde',
]
const APPROX = '(?:(?:uns|umas|cerca de|mais ou menos|aproximadamente|aprox|por volta de|em torno de|about|around|roughly|approximately|approx|some|unos|unas|alrededor de|como)\\s+)?'

// Number words by value, in pt-BR, en and es.
const WORD_VALUES = byWord([
  [1, ['um', 'uma', 'one', 'un', 'uno']], [2, ['dois', 'duas', 'two', 'dos']], [3, ['tres', 'three']], [4, ['quatro', 'four', 'cuatro']], [5, ['cinco', 'five']],
  [6, ['seis', 'six']], [7, ['sete', 'seven', 'siete']], [8, ['oito', 'eight', 'ocho']], [9, ['nove', 'nine', 'nueve']], [10, ['dez', 'ten', 'diez']],
  [11, ['onze', 'eleven', 'once']], [12, ['doze', 'twelve', 'doce']], [15, ['quinze', 'fifteen', 'quince']], [20, ['vinte', 'twenty', 'veinte']],
  [30, ['trinta', 'thirty', 'treinta']], [40, ['quarenta', 'forty', 'cuarenta']], [50, ['cinquenta', 'fifty', 'cincuenta']], [100, ['cem', 'cento', 'cien', 'ciento']],
  [200, ['duzentos', 'doscientos']], [300, ['trezentos', 'trescientos']], [400, ['quatrocentos', 'cuatrocientos']], [500, ['quinhentos', 'quinientos']],
  [600, ['seiscentos', 'seiscientos']], [700, ['setecentos', 'setecientos']], [800, ['oitocentos', 'ochocientos']], [900, ['novecentos', 'novecientos']],
])
const WORD_NUMBER = `(?:${anyOf([...Object.keys(WORD_VALUES), ...Object.keys(SCALES).filter((s) => !SCALE_AFTER_NUMBER_ONLY.has(s)), 'hundred'])})`
const WORDS_RUN = `${WORD_NUMBER}(?:\\s+(?:e\\s+|and\\s+|y\\s+)?${WORD_NUMBER})*`
const DIGITS = '\\d+(?:[.,]\\d+)*'

const EXPRESSION = new RegExp(
  `(?<![\\p{L}\\d.,])(?<before>(?:${anyOf(CURRENCY_BEFORE)})\\s*)?(?:(?<digits>${DIGITS})|(?<words>${WORDS_RUN}))` +
  `(?:\\s*(?<scale>${anyOf(Object.keys(SCALES))})(?![\\p{L}])(?<rest>\\s+e\\s+(?:${WORDS_RUN}|\\d{1,3}))?)?(?:\\s*(?<after>${anyOf(CURRENCY_AFTER)})(?![\\p{L}]))?(?![\\p{L}\\d])`,
  'gu')
const UNIT_AFTER = new RegExp(`^\\s*(?:${anyOf(NOT_MONEY_UNITS)})(?![\\p{L}])`, 'u')
const UPPER_BEFORE = new RegExp(`(?:^|[^\\p{L}])(?:${anyOf(UPPER_CUES)})\\s+${APPROX}$`, 'u')
const LOWER_BEFORE = new RegExp(`(?:^|[^\\p{L}])(?:${anyOf(LOWER_CUES)})\\s+${APPROX}$`, 'u')
const BUDGET = new RegExp(`(?<![\\p{L}])(?:${anyOf(BUDGET_WORDS)})(?![\\p{L}])`, 'u')
const RANGE_JOIN = /^\s*(?:a|ate|to|-|–|e|y|and|hasta)\s*$/
// Dates, times and phone-shaped runs are blanked before reading numbers.
const NOT_NUMBERS = [/\d{1,4}\/\d{1,2}(?:\/\d{2,4})?/g, /\b\d{1,2}:\d{2}\b/g, /\b\d{1,2}h\d{0,2}\b/g, /\+?\(?\d{2,3}\)?[\s-]?\d{4,5}[\s-]\d{4}\b/g, /\S+@\S+/g]

interface Expression { value: number, strong: boolean, year: boolean, start: number, end: number, scale: number }

/** The amount of money the text speaks of, with "até/less than" and "mais de/over" kept as a bound. */
export function readAmountBound (text: string): AmountReading | undefined {
  if (isInstruction(text)) return undefined
  const f = NOT_NUMBERS.reduce((s, re) => s.replace(re, (m) => ' '.repeat(m.length)), fold(text))
  const found = expressions(f)
  const range = rangeOf(f, found)
  if (range !== undefined) return range
  const budget = BUDGET.test(f)
  const onlyNumber = (f.match(/\d+(?:[.,]\d+)*/g) ?? []).length <= 1 && found.length === 1 ? found[0] : undefined
  const chosen = found.find((e) => e.strong) ??
    (onlyNumber !== undefined && !onlyNumber.year ? onlyNumber : undefined) ??
    (budget ? found.find((e) => !e.year) ?? found[0] : undefined)
  if (chosen === undefined) return undefined
  const before = f.slice(0, chosen.start)
  const bound: Bound = UPPER_BEFORE.test(before) ? 'upper' : LOWER_BEFORE.test(before) ? 'lower' : 'about'
  return { value: chosen.value, bound, explicit: chosen.strong || budget }
}

/** The amount of money in the text: "R$ 3 mil" → 3000, "mil e quinhentos" → 1500, "2.5k" → 2500. */
export function readAmount (text: string): number | undefined {
  return readAmountBound(text)?.value
}

function expressions (f: string): Expression[] {
  const out: Expression[] = []
  for (const m of f.matchAll(EXPRESSION)) {
    const g = m.groups ?? {}
    const end = m.index + m[0].length
    const currency = g['before'] !== undefined || g['after'] !== undefined
    if (!currency && UNIT_AFTER.test(f.slice(end))) continue
    const scale = g['scale'] === undefined ? 1 : SCALES[g['scale']] ?? 1
    const base = g['digits'] !== undefined ? parseDigits(g['digits']) : parseWords(g['words'] ?? '')
    if (base === undefined) continue
    const rest = g['rest'] === undefined ? 0 : parseRest(g['rest'])
    const value = base * scale + rest
    const wordsScaled = g['words'] !== undefined && (/mil|thousand|hundred|cem|cien|cento|ciento|entos|ientos/.test(g['words']) || g['words'].split(/\s+/).some((w) => SCALES[w] !== undefined))
    // A lone "um", "uma", "one" is an article, not an amount.
    if (g['words'] !== undefined && !wordsScaled && !currency && scale === 1) continue
    const year = scale === 1 && !currency && Number.isInteger(value) && value >= 1900 && value <= 2100
    out.push({ value, strong: currency || scale > 1 || wordsScaled, year, start: m.index, end, scale })
  }
  return out
}

/** "entre 2 e 4 mil", "de R$ 1.000 a 5.000", "between 2k and 5k": the middle of the range. */
function rangeOf (f: string, found: readonly Expression[]): AmountReading | undefined {
  for (let i = 0; i + 1 < found.length; i++) {
    const a = found[i]
    const b = found[i + 1]
    if (a === undefined || b === undefined) continue
    if (!RANGE_JOIN.test(f.slice(a.end, b.start)) || !(a.strong || b.strong)) continue
    const low = a.scale === 1 && b.scale > 1 && a.value * b.scale <= b.value ? a.value * b.scale : a.value
    if (low < b.value) return { value: (low + b.value) / 2, bound: 'about', explicit: true }
  }
  return undefined
}

/** "3.000,00" → 3000, "2,500" → 2500, "2.5" → 2.5, "1,5" → 1.5: the last separator is decimal unless three digits follow it once. */
function parseDigits (s: string): number | undefined {
  const seps = s.match(/[.,]/g) ?? []
  const last = Math.max(s.lastIndexOf('.'), s.lastIndexOf(','))
  if (seps.length === 0) return Number(s)
  const mixed = new Set(seps).size > 1
  const thousandsOnly = !mixed && (seps.length > 1 || s.length - last - 1 === 3)
  if (thousandsOnly) return Number(s.replace(/[.,]/g, ''))
  const n = Number(`${s.slice(0, last).replace(/[.,]/g, '')}.${s.slice(last + 1)}`)
  return Number.isFinite(n) ? n : undefined
}

/** "dois mil e quinhentos" → 2500, "mil" → 1000, "two thousand five hundred" → 2500. */
function parseWords (s: string): number | undefined {
  let total = 0
  let current = 0
  for (const word of s.split(/\s+/)) {
    if (word === 'hundred') current = (current || 1) * 100
    else if (SCALES[word] !== undefined) { total += (current || 1) * SCALES[word]; current = 0 } else if (WORD_VALUES[word] !== undefined) current += WORD_VALUES[word]
  }
  const n = total + current
  return n > 0 ? n : undefined
}

/** The "e quinhentos" of "3 mil e quinhentos". */
function parseRest (rest: string): number {
  const tail = rest.replace(/^\s+e\s+/, '')
  return (/^\d/.test(tail) ? Number(tail) : parseWords(tail)) ?? 0
}
