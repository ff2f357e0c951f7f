import { describe, expect, it } from 'vitest'
import { loadPlaybook, parsePlaybook } from '../../../src/conversation/playbook.js'
import { speakingLanguage, spokenLanguages, untranslatedTexts } from '../../../src/conversation/playbook-languages.js'

const yaml = (extra: string): string => `
language: pt-BR
${extra}
persona: { name: Ana, company: Acme, tone: direta }
product:
  summary: Um produto.
  facts: [Um fato só em português.]
  faq:
    - question: Quanto custa?
      answer: { pt-BR: Depende., en: It depends. }
qualification:
  fields:
    - key: name
      label: nome
      question: { pt-BR: Seu nome?, en: Your name?, es: ¿Tu nombre? }
      choices:
        - { value: a, title: Opção A }
  qualified_when: { all: [name] }
texts:
  greeting: { pt-BR: Olá!, en: Hi!, es: ¡Hola! }
  handoff: Vou passar.
  qualified: { pt-BR: Pronto., en: Done., es: Listo. }
  meeting: { pt-BR: Combinado., en: Sure., es: Claro. }
  opt_out: { pt-BR: Ok., en: Ok., es: Ok. }
  not_interested: { pt-BR: Tudo bem., en: Fine., es: Bien. }
  out_of_scope: { pt-BR: Não sei., en: No idea., es: No sé. }
  acknowledge: { pt-BR: Obrigada!, en: Thanks!, es: ¡Gracias! }
`

describe('a plain string in a playbook', () => {
  it('is a text in the playbook\'s language', () => {
    const p = parsePlaybook(yaml(''), 'one.yaml')
    expect(p.texts.handoff).toEqual({ 'pt-BR': 'Vou passar.' })
    expect(p.product.facts[0]).toEqual({ 'pt-BR': 'Um fato só em português.' })
    expect(p.qualification.fields[0]?.choices?.[0]?.title).toEqual({ 'pt-BR': 'Opção A' })
    expect(p.qualification.fields[0]?.label).toEqual({ 'pt-BR': 'nome' })
  })
})

describe('languages', () => {
  it('lists every lead-facing text missing a listed language', () => {
    const p = parsePlaybook(yaml('languages: [pt-BR, en, es]'), 'gaps.yaml')
    const gaps = untranslatedTexts(p)
    expect(gaps).toContain('texts.handoff: no en, es')
    expect(gaps).toContain('product.facts[0]: no en, es')
    expect(gaps).toContain('product.faq[0].answer: no es')
    expect(gaps).toContain('qualification.fields[0] (name).choices[0].title: no en, es')
    expect(gaps.some((g) => g.startsWith('texts.greeting'))).toBe(false)
  })

  it('speaks only the languages every text has, so no reply mixes two', () => {
    const p = parsePlaybook(yaml('languages: [pt-BR, en, es]'), 'gaps.yaml')
    expect(spokenLanguages(p)).toEqual(['pt-BR'])
    expect(speakingLanguage(p, 'en')).toBe('pt-BR')
  })

  it('the default playbook speaks pt-BR, en and es, with no gap', async () => {
    const p = await loadPlaybook()
    expect(untranslatedTexts(p)).toEqual([])
    expect(spokenLanguages(p)).toEqual(['pt-BR', 'en', 'es'])
    expect(speakingLanguage(p, 'es-AR')).toBe('es')
    expect(speakingLanguage(p, 'fr')).toBe('pt-BR')
  })
})
