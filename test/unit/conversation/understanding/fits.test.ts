import { describe, expect, it } from 'vitest'
import { fitsField } from '../../../../src/conversation/understanding/fits.js'

describe('fitsField', () => {
  it.each([
    ['name', 'Karen'], ['name', 'Jess'], ['name', 'Rocío'], ['name', 'Maria da Silva'], ['name', 'joão pedro'], ['name', 'Ana Maria Gomez'], ['name', 'Zé'], ['name', 'Mary-Jane'],
    ['company', 'Pawsome Pet Grooming'], ['company', 'Ferretería El Tornillo'], ['company', 'Studio Pri Cilios'], ['company', 'acme'], ['company', 'Lopes & Filhos Contabilidade'],
    ['company', 'Tu Casa Inmobiliaria'], ['company', 'padaria estrela'], ['company', 'Nimbus Cloud Inc.'], ['company', '3M'], ['company', 'We Do Web'],
    ['role', 'owner'], ['role', 'broker'], ['role', 'dueño'], ['role', 'mecanico y dueño'], ['role', 'practice manager'], ['role', 'head of CX'], ['role', 'gerente de frota'],
    ['role', 'sou a dona'], ['role', 'VP Sales'], ['role', 'marketing'], ['role', 'recepcionista'], ['role', 'cuido do financeiro'], ['role', 'Directora Médica'],
    ['need', 'patients keep asking the same stuff all day, opening hours, insurance etc'], ['need', 'booking appointments w/o me being glued to my phone lol'],
    ['need', 'responder consultas de propiedades por whatsapp'], ['need', 'vender por insta sin estar todo el dia contestando'], ['need', 'agendar as clientes automatico pelo whats'],
    ['need', 'automate customer questions on whatsapp'], ['need', 'temos mt lead do portal e ninguem responde a tempo'], ['need', 'q el bot tome los pedidos de los clientes'],
    ['need', 'atendimento'], ['need', 'agendar visitas hoje mesmo pelo whatsapp'], ['need', 'nao sei, mas quero automatizar o whatsapp'],
    ['email', 'maria@acme.com'], ['budget', 'uns 2 mil'], ['timeline', 'mes q vem'],
  ])('%s: %s fits', (key, text) => {
    expect(fitsField(key, text)).toBe(true)
  })

  it.each([
    // name
    ['name', 'no entiendo'], ['name', 'u there'], ['name', 'k'], ['name', '??'], ['name', 'nao sei'], ['name', 'why do you need it'], ['name', 'Padaria Sol'],
    ['name', 'Bright Smile Dental'], ['name', 'sou de SP e trabalho com vendas'], ['name', 'a gente vende roupa'], ['name', 'John 2'], ['name', 'prefiro não dizer'],
    ['name', 'quero falar com alguém'], ['name', 'I want a demo'], ['name', 'hello?'],
    // company
    ['company', 'nao sei direito, me indicaram vcs'], ['company', 'automate customer questions on whatsapp'], ['company', 'no entiendo'], ['company', 'u there'],
    ['company', 'you there?'], ['company', 'what do you mean'], ['company', 'honestly no clue'], ['company', 'para que quieres saber'], ['company', 'tchau'],
    ['company', 'practice manager'], ['company', 'owner'], ['company', 'dueña'], ['company', 'responder consultas de propiedades por whatsapp'], ['company', 'São Paulo'],
    ['company', 'eu trabalho sozinho'], ['company', 'i work from home'], ['company', 'no tengo empresa'], ['company', 'brigadaa'], ['company', 'ah entendi'],
    ['company', 'we sell shoes online'], ['company', 'vendemos roupas'],
    // role
    ['role', 'responder consultas de propiedades por whatsapp'], ['role', 'patients keep asking the same stuff all day, opening hours, insurance etc'],
    ['role', 'automate customer questions on whatsapp'], ['role', 'nem sei'], ['role', 'no entiendo'], ['role', 'why?'], ['role', 'lo mas rapido posible'],
    ['role', 'we need more leads'], ['role', 'quero vender mais'], ['role', 'uns 2 mil'], ['role', 'ok obgg'],
    // need: don't know, in any wording
    ['need', 'n faço ideia'], ['need', 'no se bien la verdad'], ['need', 'honestly no clue, my partner told me to check u out'], ['need', 'nem sei'], ['need', 'sei lá'],
    ['need', 'nao sei direito, me indicaram vcs'], ['need', 'vc q sabe'], ['need', 'vos decime'], ['need', 'nose'], ['need', 'dunno'], ['need', 'not sure'],
    ['need', 'my partner told me to check u out'], ['need', 'me indicaram vcs'], ['need', 'just checking you out'], ['need', 'só dando uma olhada'],
    ['need', 'vi o anúncio de vcs no insta'], ['need', 'a friend recommended you'], ['need', 'me recomendaron ustedes'], ['need', 'idk tbh'], ['need', 'não faço a menor ideia'], ['need', 'ni idea la verdad'], ['need', 'no sabría decirte'], ['need', "I don't know yet"], ['need', 'beats me lol'],
    // need: a timeline or a budget
    ['need', 'lo mas rapido posible'], ['need', 'en un par de meses'], ['need', 'pra ja'], ['need', 'preciso pra já'], ['need', 'uns 2 mil'], ['need', 'asap'],
    ['need', 'next quarter'], ['need', 'mes q vem'], ['need', 'under 1k'], ['need', 'around 3 grand'], ['need', 'unos 800 reales al mes'], ['need', 'no rush really'],
    ['need', 'this week would be great'], ['need', 'o quanto antes'],
    // need: a question, filler, a goodbye
    ['need', 'how much is it?'], ['need', 'quanto custa'], ['need', 'ok'], ['need', 'cool ty'], ['need', 'flw'], ['need', 'muchas gracias!!'],
    // others fall back to isAcceptableValue
    ['email', 'não tenho'], ['phone', 'u there'],
  ])('%s: %s does not fit', (key, text) => {
    expect(fitsField(key, text)).toBe(false)
  })
})
