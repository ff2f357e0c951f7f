import { describe, expect, it } from 'vitest'
import { disqualifiedReply, disqualifyingValue, disqualifyingWords } from '../../../src/conversation/disqualify.js'
import { loadPlaybook } from '../../../src/conversation/playbook.js'

const playbook = await loadPlaybook()

describe('disqualifyingWords (the default playbook\'s disqualify_when)', () => {
  it.each([
    ['estou procurando emprego, vocês têm vagas?', 'job_seeker'],
    ['oi, vcs estao contratando?', 'job_seeker'],
    ['Hi, are you hiring? I would like to send my resume', 'job_seeker'],
    ['hola, busco trabajo, tienen vacantes?', 'job_seeker'],
    ['Não tenho empresa, sou estudante e estou fazendo meu TCC', 'student'],
    ["I'm a student, it's for a college project", 'student'],
    ['soy estudiante de la facu', 'student'],
    ['Olá, gostaria de apresentar nossa agência de marketing', 'vendor'],
    ["Hi! I'd like to introduce our SEO services", 'vendor'],
    ['quisiera ofrecerles nuestros servicios', 'vendor'],
    ['desculpa, numero errado', 'wrong_number'],
    ['sorry wrong number', 'wrong_number'],
    ['perdón, número equivocado', 'wrong_number'],
  ])('"%s" → %s', (text, reason) => {
    expect(disqualifyingWords(playbook, text)).toBe(reason)
  })

  it.each([
    'preciso automatizar o atendimento da minha empresa',
    'we are hiring fast and need a bot to answer candidates',
    'quanto custa?',
    'sou gerente de operações da Transportadora Rápida',
    'ok',
  ])('"%s" is a lead', (text) => {
    expect(disqualifyingWords(playbook, text)).toBeUndefined()
  })
})

describe('disqualifyingValue', () => {
  it('reads a field\'s disqualify_values', () => {
    const strict = { ...playbook, qualification: { ...playbook.qualification, fields: playbook.qualification.fields.map((f) => f.key === 'timeline' ? { ...f, disqualify_values: ['pesquisando'] } : f) } }
    expect(disqualifyingValue(strict, { timeline: 'pesquisando' })).toBe('timeline')
    expect(disqualifyingValue(strict, { timeline: 'este_mes' })).toBeUndefined()
  })
})

describe('disqualifiedReply', () => {
  it('is the reason\'s own closing, else texts.disqualified, and not_interested\'s own text', () => {
    expect(disqualifiedReply(playbook, 'vendor')['en']).toMatch(/channel is for customers only/)
    expect(disqualifiedReply(playbook, 'something_else')).toBe(playbook.texts.disqualified)
    expect(disqualifiedReply(playbook, 'not_interested')).toBe(playbook.texts.not_interested)
  })
})
