import { describe, expect, it } from 'vitest'
import { detectLeadLanguage, languageOf, linesNotIn, wordsOf } from '../../../src/conversation/language.js'
import { ACKNOWLEDGEMENTS, ROMANCE, TELLTALE, WEAK } from '../../../src/conversation/language-words.js'
import { loadCorpus, misses, score } from '../../../scripts/language-accuracy.js'

const detect = (text: string) => languageOf(text) as 'pt-BR' | 'en' | 'es' | undefined

// Regression gates: the figures reached when the detector was written (npx tsx scripts/language-accuracy.ts).
// The hold-out file was written before the detector and never tuned on.
describe('short chat messages of test/fixtures/language', () => {
  const gates = {
    'short-messages.json': { 'pt-BR': 139 / 142, en: 129 / 129, es: 128 / 131 },
    'short-messages-holdout.json': { 'pt-BR': 35 / 36, en: 33 / 35, es: 33 / 35 },
  }
  for (const [file, gate] of Object.entries(gates)) {
    const corpus = loadCorpus(file)
    const result = score(detect, corpus)

    it(`${file}: each language is named at least as often as when measured`, () => {
      expect(result.perLang['pt-BR']).toBeGreaterThanOrEqual(gate['pt-BR'])
      expect(result.perLang.en).toBeGreaterThanOrEqual(gate.en)
      expect(result.perLang.es).toBeGreaterThanOrEqual(gate.es)
    })

    it(`${file}: no labelled message is named as another language (a miss says "cannot tell")`, () => {
      expect(result.wrong).toBe(0)
    })

    it(`${file}: every neutral message ("ok", "👍", "2", an e-mail, a name) tells no language`, () => {
      expect(misses(detect, corpus.filter((s) => s.lang === null))).toEqual([])
    })
  }

  it('holds at least 120 messages per language and 60 neutral ones', () => {
    const corpus = loadCorpus('short-messages.json')
    for (const lang of ['pt-BR', 'en', 'es', null]) {
      expect(corpus.filter((s) => s.lang === lang).length).toBeGreaterThanOrEqual(lang === null ? 60 : 120)
    }
  })
})

describe('languageOf', () => {
  it.each([
    ['qnto custa', 'pt-BR'],
    ['vc tem api?', 'pt-BR'],
    ['cuanto sale', 'es'],
    ['xq tan caro?', 'es'],
    ['do u have a free trial?', 'en'],
    ['QUANTO CUSTA?', 'pt-BR'],
    ['Oi, Tudo Bem?', 'pt-BR'],
    ['no me interesa', 'es'],
    ['no thanks', 'en'],
    ['holaaa', 'es'],
    // chat slang (#13)
    ['sup', 'en'], ['wassup, how much?', 'en'], ['yo how much is this', 'en'], ['Me dicen Nacho', 'es'], ['me llaman Lupe', 'es'], ['porfa', 'es'], ['hola q tal', 'es'],
    ['brigadaa', 'pt-BR'], ['flw', 'pt-BR'], ['tmj', 'pt-BR'], ['falou, valeu', 'pt-BR'], ['tchau', 'pt-BR'], ['ah entendi, brigadaa', 'pt-BR'], ['yo soy Carlos', 'es'],
  ])('%j is %s', (text, lang) => {
    expect(languageOf(text)).toBe(lang)
  })

  it.each(['ok', 'Ok!', '👍', '2', 'R$ 3000', 'US$ 1.200', 'sim', 'no', 'kkkk', 'jajaja', 'Maria Souza', 'ana@acme.com', 'https://acme.com', '+55 11 98765-4321', 'claro', 'ok gracias thanks'])(
    '%j tells no language', (text) => {
      expect(languageOf(text)).toBeUndefined()
    })

  it('ignores addresses, numbers and @mentions: only the words around them count', () => {
    expect(languageOf('my email: joao@empresa.com.br')).toBe('en')
    expect(languageOf('mi web es www.gruposur.com.ar')).toBe('es')
    expect(languageOf('meu zap é +1 415 555 0199')).toBe('pt-BR')
    expect(wordsOf('fala com @joao, maria@acme.com ou https://acme.com.br/x 3k')).toEqual(['fala', 'com', 'ou'])
  })

  it('leaves out capitalised names in mid-sentence, but not the English "I"', () => {
    expect(wordsOf("I'm John, CTO at Acme. Can I see it?")).toEqual(["I'm", 'at', 'Can', 'I', 'see', 'it'])
    expect(languageOf('hi, Maria Souza here')).toBe('en')
  })

  it('returns the candidate tag as given, matched by base, and nothing outside the candidates', () => {
    expect(languageOf('hola, cuanto cuesta?', ['pt', 'es-AR'])).toBe('es-AR')
    expect(languageOf('quero falar com alguem', ['pt'])).toBe('pt')
    expect(languageOf('quero falar com alguem', ['en', 'es'])).toBeUndefined()
  })
})

describe('detectLeadLanguage', () => {
  it('sticks to the current language across ok, sim, numbers, emoji and addresses', () => {
    for (const text of ['ok', 'sim', 'Sim!', '2', '3k', '👍', 'kkkk', 'ana@acme.com', 'Acme Ltda']) {
      expect(detectLeadLanguage(text, 'es')).toBe('es')
      expect(detectLeadLanguage(text, 'en')).toBe('en')
    }
  })

  it('switches when the lead clearly writes in another language', () => {
    expect(detectLeadLanguage('can we talk in english please?', 'pt-BR')).toBe('en')
    expect(detectLeadLanguage('prefiero hablar en español', 'pt-BR')).toBe('es')
    expect(detectLeadLanguage('quero saber o preço', 'en')).toBe('pt-BR')
  })

  it('judges a burst as a whole: a greeting in English does not outvote a Portuguese question', () => {
    expect(detectLeadLanguage('hello\nquanto custa?\nvcs integram com hubspot?', 'en')).toBe('pt-BR')
    expect(detectLeadLanguage('ok\n👍\n2', 'pt-BR')).toBe('pt-BR')
  })
})

describe('linesNotIn', () => {
  it('names the lines of a reply that are clearly in another language', () => {
    const reply = 'Olá! Tudo bem?\nHow can I help you today?\n👍\nQual é o nome da sua empresa?'
    expect(linesNotIn(reply, 'pt-BR')).toEqual(['How can I help you today?'])
    expect(linesNotIn('¡Perfecto! ¿Cuál es el nombre de tu empresa?\nhttps://acme.com', 'es')).toEqual([])
  })
})

describe('the word lists', () => {
  it('put no word in two languages (a shared word tells nothing, or belongs in ROMANCE)', () => {
    const seen = new Map<string, string>()
    const lists: Array<[string, readonly string[]]> = [
      ...Object.entries(TELLTALE), ...Object.entries(WEAK).map(([b, l]): [string, readonly string[]] => [`weak ${b}`, l]), ['romance', ROMANCE],
    ]
    const clashes: string[] = []
    for (const [name, list] of lists) {
      for (const word of new Set(list)) {
        const other = seen.get(word)
        if (other !== undefined) clashes.push(`${word}: ${other} and ${name}`)
        seen.set(word, name)
      }
    }
    expect(clashes).toEqual([])
  })

  it('are folded: lower case, no accents', () => {
    const all = [...Object.values(TELLTALE).flat(), ...ROMANCE, ...ACKNOWLEDGEMENTS]
    expect(all.filter((w) => w !== w.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase())).toEqual([])
  })
})
