import { readAmountBound } from './amount.js'
import { fold, wordsOf } from './text.js'
import { readTimelineBound } from './timeline.js'
import { collapseRepeats } from './utterance.js'

// A message that is a timeline or a budget and little else: not a need, a role or a company.

// What may sit around a timeline or an amount without making it a need: "preciso pra já", "unos 2 mil reales".
const GLUE = new Set([
  'preciso', 'precisamos', 'precisaria', 'need', 'needed', 'it', 'we', 'i', 'quero', 'queria', 'quiero', 'necesito', 'necesitamos', 'lo', 'la', 'o', 'a', 'the', 'pra', 'para',
  'for', 'by', 'em', 'en', 'in', 'de', 'do', 'da', 'of', 'ja', 'ya', 'mais', 'mas', 'more', 'ideally', 'idealmente', 'se', 'si', 'if', 'possivel', 'posible', 'possible', 'tipo',
  'el', 'los', 'las', 'os', 'as', 'like', 'uns', 'umas', 'unos', 'unas', 'about', 'around', 'maybe', 'talvez', 'quizas', 'acho', 'creo', 'think', 'seria', 'would', 'be', 'ate', 'hasta', 'up', 'to', 'under',
  'menos', 'less', 'than', 'que', 'over', 'no', 'maximo', 'max', 'minimo', 'at', 'most', 'least', 'prob', 'probably', 'provavelmente', 'probablemente', 'mes', 'month', 'mo',
  'por', 'per', 'al', 'ao', 'a', 'reais', 'real', 'rs', 'r', 'dolares', 'dollars', 'usd', 'pesos', 'bucks', 'mil', 'k', 'grand', 'thousand', 'orcamento', 'budget',
  'presupuesto', 'mensal', 'monthly', 'mensual', 'tranquilo', 'reales', 'euros', 'libras', 'contos', 'pila', 'pilas', 'pau', 'paus', 'luca', 'lucas', 'grands',
  'thousands', 'mensais', 'mensuales', 'valor', 'investimento', 'investir', 'invertir', 'pagar', 'gastar', 'spend', 'pay', 'really', 'realmente', 'honestly', 'tbh',
  'verdad', 'sinceramente', 'great', 'awesome', 'ideal', 'good', 'nice', 'bom', 'boa', 'otimo', 'bueno', 'buena', 'genial', 'perfeito', 'perfecto', 'perfect', 'q', 'qe', 'ke', 'e', 'and', 'y', 'ou', 'or', 'so', 'solo', 'so', 'es', 'e', 'is', 'seria', 'algo', 'something', 'pode', 'ser',
])
/** "lo más rápido posible", "en un par de meses", "pra já", "uns 2 mil": a timeline or budget and little else. */
export function isTimeOrMoney (value: string): boolean {
  if (readTimelineBound(value) === undefined && readAmountBound(value) === undefined) return false
  const rest = wordsOf(collapseRepeats(fold(value))).filter((w) => !/^\d/.test(w) && !GLUE.has(w) && !TIME_OR_MONEY_WORDS.has(w) && !LAUGH.test(w))
  return rest.length === 0
}
const TIME_OR_MONEY_WORDS = new Set([
  'asap', 'urgent', 'urgente', 'urgently', 'urgentemente', 'now', 'agora', 'ahora', 'ahorita', 'today', 'hoje', 'hoy', 'tomorrow', 'amanha', 'manana', 'ontem', 'ayer', 'yesterday',
  'rapido', 'pronto', 'antes', 'quanto', 'cuanto', 'soon', 'sooner', 'better', 'melhor', 'mejor', 'quickly', 'fast', 'possivel', 'breve', 'brevedad', 'cedo', 'mismo', 'mesmo',
  'right', 'away', 'immediately', 'imediatamente', 'inmediatamente', 'semana', 'semanas', 'week', 'weeks', 'mes', 'meses', 'month', 'months', 'ano', 'anos', 'year', 'years',
  'dia', 'dias', 'day', 'days', 'trimestre', 'quarter', 'semestre', 'semester', 'que', 'vem', 'viene', 'next', 'proximo', 'proxima', 'prox', 'this', 'este', 'esse', 'esta',
  'essa', 'fim', 'final', 'fin', 'end', 'daqui', 'dentro', 'within', 'couple', 'par', 'um', 'uma', 'un', 'una', 'one', 'dois', 'duas', 'dos', 'two', 'tres', 'three', 'few',
  'alguns', 'algunos', 'poucos', 'pocos', 'sem', 'sin', 'pressa', 'prisa', 'apuro', 'rush', 'hurry', 'just', 'looking', 'pesquisando', 'cotando', 'mirando', 'so', 'solo',
])

const LAUGH = /^(?:k{2,}|(?:ha)+h?|(?:he)+|(?:ja)+|(?:je)+|(?:rs)+|lol|lmao)$/
