import { describe, expect, it } from 'vitest'
import { loadPlaybook } from '../../src/conversation/playbook.js'
import { analyzeScripted, detectLanguage } from '../../src/conversation/scripted-brain.js'
import { initialState, type ConversationState, type Intent } from '../../src/conversation/types.js'

// Phrasings the conversation scenarios (evals/scenarios) showed the scripted brain misread, pinned
// here so a change to its keywords is caught in milliseconds rather than by the suite.

const playbook = await loadPlaybook()
const analyze = (messages: string[], state: Partial<ConversationState> = {}) =>
  analyzeScripted({ state: { ...initialState({ accountId: 1, conversationId: 2 }, 'pt-BR', 0), ...state }, messages, playbook })

describe('scripted brain: phrasings found by the conversation evals', () => {
  it.each<[string, Intent]>([
    ['Por favor, parem de me mandar mensagem', 'opt_out'],
    ['Me tira dessa lista', 'opt_out'],
    ['Não quero mais, obrigado', 'opt_out'],
    ['No quiero recibir más mensajes', 'opt_out'],
    ['quiero darme de baja', 'opt_out'],
    ['Queria falar com alguém sobre um projeto grande', 'wants_human'],
    ['Pode me passar para um atendente?', 'wants_human'],
    ['Quero falar com o comercial', 'wants_human'],
    ['I want to speak to your sales team please', 'wants_human'],
    ['Hola, ¿me pasas con un asesor?', 'wants_human'],
    ['Buenas tardes, quiero hablar con alguien de ventas', 'wants_human'],
  ])('"%s" → %s', (text, intent) => {
    expect(analyze([text]).intent).toBe(intent)
  })

  it('does not read the lead consulting their own people as asking for ours', () => {
    expect(analyze(['Vou falar com alguém do meu time e te retorno']).intent).not.toBe('wants_human')
    expect(analyze(['Voy a hablar con alguien de mi equipo']).intent).not.toBe('wants_human')
  })

  it('reads a burst line by line for a short opt-out command', () => {
    const a = analyze(['na verdade', 'pensei melhor', 'pare'], { askedField: 'name' })
    expect(a.intent).toBe('opt_out')
    expect(a.fields).toEqual({})
  })

  it('does not take a request to stop or to talk to someone as the need', () => {
    expect(analyze(['quero falar com alguém']).fields).toEqual({})
    expect(analyze(['Não quero mais, obrigado']).fields).toEqual({})
  })

  it.each([
    ['Prefiro não dizer', 'name'],
    ['Não vou passar meu e-mail', 'email'],
    ["I'd rather not say", 'name'],
    ['Not telling you that either', 'company'],
    ['prefiero no decirlo', 'name'],
    ['kkkkkk', 'name'],
    ['👍', 'company'],
    ['Oi!', 'name'],
  ])('"%s" is not the %s just asked', (text, asked) => {
    const a = analyze([text], { askedField: asked })
    expect(a.fields).toEqual({})
    expect(a.intent).toBe('other')
  })

  it('does not read a message it extracted something else from as a bare answer', () => {
    expect(analyze(['Trabalho na Vidraçaria Central'], { askedField: 'name' }).fields).toEqual({ company: 'Vidraçaria Central' })
  })

  it('still reads a bare answer', () => {
    expect(analyze(['Helena Prado'], { askedField: 'name' }).fields).toEqual({ name: 'Helena Prado' })
  })

  it.each([
    ['Oi! Sou a Fernanda, da empresa Padaria Pão Quente. Queremos automatizar o WhatsApp.', 'Padaria Pão Quente'],
    ['Bom dia, sou a Juliana Alves, da Clínica Sorriso', 'Clínica Sorriso'],
  ])('stops the company at the end of its sentence: "%s"', (text, company) => {
    expect(analyze([text]).fields['company']).toBe(company)
  })

  it('knows the accented "sócia" as a role', () => {
    expect(analyze(['Sou sócia']).fields['role']).toBe('sócia')
  })

  it.each([
    ['unsubscribe', 'en'],
    ["I'm Nina Kowalski, Head of Growth at Wayne Enterprises", 'en'],
    ['Hola, ¿me pasas con un asesor?', 'es'],
  ])('"%s" is %s', (text, language) => {
    expect(detectLanguage(text, 'pt-BR')).toBe(language)
  })

  it.each(['en', 'es'])('an e-mail address alone keeps the conversation in %s (its ".com" is not Portuguese)', (language) => {
    expect(detectLanguage('emily.davis@northwind.com', language)).toBe(language)
    expect(detectLanguage('www.acme.com.br', language)).toBe(language)
  })
})
