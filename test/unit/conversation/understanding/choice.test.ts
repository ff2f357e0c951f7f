import { describe, expect, it } from 'vitest'
import { readChoice, type ChoiceSpec } from '../../../../src/conversation/understanding/choice.js'

const BUDGET: ChoiceSpec[] = [
  { value: 'ate_1000', title: { 'pt-BR': 'Até R$ 1.000', en: 'Up to R$ 1,000', es: 'Hasta R$ 1.000' }, max: 1000 },
  { value: '1000_5000', title: { 'pt-BR': 'R$ 1.000 a 5.000', en: 'R$ 1,000 to 5,000', es: 'R$ 1.000 a 5.000' }, min: 1000, max: 5000 },
  { value: 'acima_5000', title: { 'pt-BR': 'Acima de R$ 5.000', en: 'Over R$ 5,000', es: 'Más de R$ 5.000' }, min: 5000 },
]
const TIMELINE: ChoiceSpec[] = [
  {
    value: 'este_mes',
    title: { 'pt-BR': 'Este mês', en: 'This month', es: 'Este mes' },
    synonyms: { 'pt-BR': ['urgente', 'o quanto antes', 'semana que vem'], en: ['asap', 'urgent', 'next week'], es: ['urgente', 'cuanto antes'] },
    max: 1,
  },
  {
    value: 'ate_3_meses',
    title: { 'pt-BR': 'Em até 3 meses', en: 'Within 3 months', es: 'En hasta 3 meses' },
    synonyms: { 'pt-BR': ['mes que vem', 'proximos meses'], en: ['next month', 'next quarter'], es: ['el mes que viene'] },
    min: 1,
    max: 4,
  },
  {
    value: 'pesquisando',
    title: { 'pt-BR': 'Só pesquisando', en: 'Just looking', es: 'Solo investigando' },
    synonyms: { 'pt-BR': ['sem pressa', 'ano que vem'], en: ['no rush', 'next year'], es: ['solo mirando', 'sin prisa'] },
    min: 4,
  },
]

describe('readChoice: budget (amount)', () => {
  const read = (text: string, asked = true) => readChoice(text, BUDGET, { asked, measure: 'amount' })
  it.each([
    ['Até R$ 1.000', 'ate_1000'], ['até r$ 1.000', 'ate_1000'], ['Up to R$ 1,000', 'ate_1000'], ['Más de R$ 5.000', 'acima_5000'], ['1000_5000', '1000_5000'],
    ['2', '1000_5000'], ['2.', '1000_5000'], ['opção 3', 'acima_5000'], ['a segunda', '1000_5000'], ['the second one', '1000_5000'], ['la 2', '1000_5000'], ['a primeira', 'ate_1000'],
    ['a última', 'acima_5000'], ['R$ 3 mil', '1000_5000'], ['uns 3k por mês', '1000_5000'], ['3 mil reais', '1000_5000'], ['R$ 800', 'ate_1000'], ['menos de mil', 'ate_1000'],
    ['até mil', 'ate_1000'], ['less than 1000', 'ate_1000'], ['hasta 1000', 'ate_1000'], ['mais de 5 mil', 'acima_5000'], ['over 5k', 'acima_5000'], ['más de 5 mil', 'acima_5000'],
    ['unos 2 mil dólares', '1000_5000'], ['dois mil', '1000_5000'], ['mil e quinhentos', '1000_5000'], ['$10,000/month', 'acima_5000'], ['entre 2 e 4 mil', '1000_5000'], ['5000', 'acima_5000'], ['orçamento de 800', 'ate_1000'],
  ])('%s → %s', (text, value) => {
    expect(read(text)).toBe(value)
  })

  it.each([['2', false], ['a segunda', false], ['5', true], ['meu telefone é 11 98765-4321', true], ['somos 20 pessoas', true], ['não sei', true], ['em 2025', true], ['Acme', true], ['5000', false]] as const)(
    '%s (asked: %s) picks nothing', (text, asked) => {
      expect(read(text, asked)).toBeUndefined()
    })
})

describe('readChoice: timeline (months)', () => {
  const read = (text: string, asked = true) => readChoice(text, TIMELINE, { asked, measure: 'months' })
  it.each([
    ['Este mês', 'este_mes'], ['este mes', 'este_mes'], ['This month', 'este_mes'], ['Just looking', 'pesquisando'], ['solo investigando', 'pesquisando'], ['1', 'este_mes'],
    ['é urgente!', 'este_mes'], ['asap', 'este_mes'], ['semana que vem', 'este_mes'], ['cuanto antes', 'este_mes'], ['em 2 meses', 'ate_3_meses'], ['en 2 meses', 'ate_3_meses'],
    ['next quarter', 'ate_3_meses'], ['o mês que vem', 'ate_3_meses'], ['até 3 meses', 'ate_3_meses'], ['within 4 months', 'ate_3_meses'], ['por enquanto só pesquisando', 'pesquisando'],
    ['não é urgente', 'pesquisando'], ['no ano que vem', 'pesquisando'], ['sem pressa', 'pesquisando'], ['in 6 months', 'pesquisando'], ['daqui a 10 dias', 'este_mes'],
    ['solo mirando', 'pesquisando'], ['the third', 'pesquisando'],
  ])('%s → %s', (text, value) => {
    expect(read(text)).toBe(value)
  })

  it.each([['quanto custa?', true], ['Acme', true], ['2', false], ['7', true], ['ok', true]] as const)('%s (asked: %s) picks nothing', (text, asked) => {
    expect(read(text, asked)).toBeUndefined()
  })
})

describe('readChoice: plain choices without a measure', () => {
  const SIZE: ChoiceSpec[] = [
    { value: 'under_20', title: { en: 'Fewer than 20', 'pt-BR': 'Menos de 20' } },
    { value: '20_500', title: { en: '20 to 500', 'pt-BR': '20 a 500' } },
  ]
  it.each([['fewer than 20', 'under_20'], ['MENOS DE 20', 'under_20'], ['20 a 500', '20_500'], ['2', '20_500']])('%s → %s', (text, value) => {
    expect(readChoice(text, SIZE, { asked: true })).toBe(value)
  })
  it('reads nothing from an empty list', () => {
    expect(readChoice('2', [], { asked: true })).toBeUndefined()
  })
})
