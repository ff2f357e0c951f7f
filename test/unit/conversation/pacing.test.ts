import { describe, expect, it } from 'vitest'
import { DEFAULT_PACING, messageChars, pacingSchema, pauseBeforeMs, showsTyping, splitForChat } from '../../../src/conversation/pacing.js'

/** What the lead reads, whitespace aside: no word may be lost, added or reordered by a split. */
const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '')
const wordsOf = (parts: readonly string[]): string[] => parts.flatMap(words)

const para = (n: number, sentence: string): string => Array.from({ length: n }, () => sentence).join(' ')

describe('splitForChat: boundaries', () => {
  it('returns a text that fits as it is, trimmed, and nothing for a blank one', () => {
    expect(splitForChat('  Oi! Tudo bem?  ', 350, 4)).toEqual(['Oi! Tudo bem?'])
    expect(splitForChat('x'.repeat(350), 350, 4)).toEqual(['x'.repeat(350)])
    expect(splitForChat(' \n\n ', 350, 4)).toEqual([])
  })

  it('cuts at paragraphs first, keeping each paragraph whole when it fits', () => {
    const a = para(4, 'Nosso plano atende WhatsApp e site.')
    const b = para(4, 'A implantação leva uma semana.')
    const c = 'Qual o tamanho da sua equipe?'
    const parts = splitForChat(`${a}\n\n${b}\n\n${c}`, 200, 4)
    expect(parts).toEqual([a, `${b}\n\n${c}`])
  })

  it('then at sentence ends (., !, ?, …, ?!) and line breaks, never mid-sentence when a sentence fits', () => {
    const text = 'Claro, posso te ajudar com isso agora mesmo! Você quer saber dos planos?! Temos três opções… ' +
      'O Starter é para equipes pequenas. O Pro inclui integrações.\nO Enterprise tem suporte dedicado.'
    const parts = splitForChat(text, 60, 4)
    expect(parts.length).toBeGreaterThan(1)
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(60)
      expect(part).toMatch(/[.!?…]$/)
    }
    expect(wordsOf(parts)).toEqual(words(text))
    expect(parts).toContain('Você quer saber dos planos?! Temos três opções…')
  })

  it('treats an emoji before a new sentence as its end, and keeps the emoji with its sentence', () => {
    const text = 'Que ótimo saber disso, obrigada por contar 😊 Agora me diz uma coisa importante para seguirmos: qual é o seu cargo?'
    const parts = splitForChat(text, 60, 4)
    expect(parts[0]).toBe('Que ótimo saber disso, obrigada por contar 😊')
    expect(wordsOf(parts)).toEqual(words(text))
  })

  it('does not end a sentence at an abbreviation, an initial or a list number', () => {
    const text = 'Fale com o Sr. Silva ou com a Dra. Lima sobre o plano A. Eles respondem hoje.\n1. Starter\n2. Pro'
    const parts = splitForChat(text, 50, 4)
    for (const part of parts) {
      expect(part).not.toMatch(/(?:Sr|Dra)\.$/)
      expect(part).not.toMatch(/^\d\.$/)
    }
    expect(parts.some((p) => p.includes('Sr. Silva'))).toBe(true)
    expect(wordsOf(parts)).toEqual(words(text))
  })

  it('cuts between words only when a sentence alone is too long', () => {
    const sentence = para(30, 'palavra') + '.'
    const parts = splitForChat(sentence, 80, 4)
    expect(parts.length).toBe(3)
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(80)
    expect(wordsOf(parts)).toEqual(words(sentence))
  })
})

describe('splitForChat: what is never cut', () => {
  const url = 'https://exemplo.com.br/planos/comparativo?origem=whatsapp&campanha=verao-2026#precos'
  const email = 'vendas.corporativas@exemplo-empresa.com.br'
  const filler = para(6, 'Uma frase qualquer de enchimento.')

  it.each([
    ['a URL', `${filler} Veja ${url} para os detalhes e valores. ${filler}`, url],
    ['an e-mail', `${filler} Escreva para ${email} quando quiser. ${filler}`, email],
    ['an amount with its currency', `${filler} O plano custa R$ 1.000,00 por mês e inclui tudo. ${filler}`, 'R$ 1.000,00'],
    ['an amount in dollars', `${filler} The plan is US$ 1,250.50 a month. ${filler}`, 'US$ 1,250.50'],
    ['an emoji sequence', `${filler} Família 👨‍👩‍👧‍👦 e aprovação 👍🏽 garantidas. ${filler}`, '👨‍👩‍👧‍👦'],
  ])('%s', (_name, text, whole) => {
    // Every size, so that some size falls right inside what must stay whole (and parts enough
    // that no size is raised to fit them).
    for (let max = 20; max <= 120; max++) {
      const parts = splitForChat(text, max, 50)
      expect(parts.some((p) => p.includes(whole)), `max ${max}: ${JSON.stringify(parts)}`).toBe(true)
      expect(wordsOf(parts)).toEqual(words(text))
    }
  })

  it('keeps a word longer than the size whole rather than cutting it', () => {
    const text = `Acesse ${url} agora.`
    const parts = splitForChat(text, 30, 4)
    expect(parts).toContain(url)
    expect(wordsOf(parts)).toEqual(words(text))
  })
})

describe('splitForChat: limits', () => {
  it('never gives more than maxParts, and drops nothing to get there', () => {
    const text = Array.from({ length: 12 }, (_, i) => `Parágrafo número ${i + 1}, com algum conteúdo útil.`).join('\n\n')
    for (const maxParts of [1, 2, 3, 4]) {
      const parts = splitForChat(text, 60, maxParts)
      expect(parts.length).toBeLessThanOrEqual(maxParts)
      expect(wordsOf(parts)).toEqual(words(text))
    }
  })

  it('spreads an overflow over the parts rather than leaving one long tail', () => {
    const text = para(40, 'Frase curta aqui.')
    const parts = splitForChat(text, 100, 4)
    expect(parts).toHaveLength(4)
    const lengths = parts.map((p) => p.length)
    expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThan(40)
  })

  it('with maxParts 1 sends the text as one message', () => {
    const text = para(40, 'Frase curta aqui.')
    expect(splitForChat(text, 100, 1)).toEqual([text])
  })

  it('never returns an empty or untrimmed part', () => {
    const text = `  Olá!   \n\n\n   ${para(10, 'Texto com espaços   demais.')}  \n\n  Fim.  `
    for (const part of splitForChat(text, 50, 4)) {
      expect(part).not.toBe('')
      expect(part).toBe(part.trim())
    }
  })
})

describe('pacing', () => {
  it('a playbook without the block gets the defaults', () => {
    expect(DEFAULT_PACING).toEqual({
      message_chars: { default: 400, whatsapp: 350, web_widget: 600, email: 4000 },
      max_parts: 4,
      min_pause_ms: 800,
      max_pause_ms: 3000,
      ms_per_char: 8,
    })
    expect(pacingSchema.parse({ message_chars: { telegram: 500 } }).message_chars).toEqual({ ...DEFAULT_PACING.message_chars, telegram: 500 })
  })

  it('refuses what makes no sense', () => {
    expect(() => pacingSchema.parse({ max_parts: 5 })).toThrow()
    expect(() => pacingSchema.parse({ min_pause_ms: 4000, max_pause_ms: 1000 })).toThrow(/min_pause_ms/)
    expect(() => pacingSchema.parse({ message_chars: { whatsap: 300 } })).toThrow()
    expect(() => pacingSchema.parse({ message_chars: { default: 10 } })).toThrow()
  })

  it('picks the size by Chatwoot channel type, the default for any other', () => {
    const pacing = pacingSchema.parse({ message_chars: { default: 300, telegram: 500 } })
    expect(messageChars(pacing, 'Channel::Whatsapp')).toBe(350)
    expect(messageChars(pacing, 'Channel::WebWidget')).toBe(600)
    expect(messageChars(pacing, 'Channel::Telegram')).toBe(500)
    expect(messageChars(pacing, 'Channel::Instagram')).toBe(300)
    expect(messageChars(pacing, undefined)).toBe(300)
  })

  it('pauses longer before a longer part, within the bounds', () => {
    const pauses = ['ok', 'x'.repeat(100), 'x'.repeat(200), 'x'.repeat(350), 'x'.repeat(2000)].map((p) => pauseBeforeMs(p, DEFAULT_PACING))
    expect(pauses).toEqual([800, 800, 1600, 2800, 3000])
    expect(pauseBeforeMs('x'.repeat(40), pacingSchema.parse({ ms_per_char: 25 }))).toBe(1000)
    const quick = pacingSchema.parse({ min_pause_ms: 0, max_pause_ms: 0 })
    expect(pauseBeforeMs('x'.repeat(500), quick)).toBe(0)
  })

  it('shows typing except on WhatsApp, which never gets a bot\'s typing', () => {
    expect(showsTyping('Channel::Whatsapp')).toBe(false)
    expect(showsTyping('Channel::WebWidget')).toBe(true)
    expect(showsTyping(undefined)).toBe(true)
  })
})
