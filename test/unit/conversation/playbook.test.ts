import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import {
  DEFAULT_PLAYBOOK_URL,
  fillTemplate,
  loadPlaybook,
  localize,
  parsePlaybook,
  PlaybookError,
} from '../../../src/conversation/playbook.js'

const DEFAULT_TEXT = await readFile(DEFAULT_PLAYBOOK_URL, 'utf8')

/** The shipped playbook as plain data, to change one thing and serialise again. */
const defaultData = (): Record<string, any> => parseYaml(DEFAULT_TEXT) as Record<string, any>

const minimal = () => ({
  language: 'en',
  persona: { name: 'Bo', company: 'Acme', tone: 'friendly' },
  product: { summary: 'Widgets.' },
  qualification: {
    fields: [
      { key: 'name', label: { en: 'name' }, question: { en: 'Your name?' } },
      { key: 'email', label: { en: 'e-mail' }, question: { en: 'Your e-mail?' } },
    ],
    qualified_when: { all: ['name', 'email'] },
  },
  texts: Object.fromEntries(['greeting', 'handoff', 'qualified', 'meeting', 'opt_out', 'not_interested', 'out_of_scope', 'acknowledge'].map((k) => [k, { en: `${k} text` }])),
})

function parseError (text: string, source = 'test.yaml'): PlaybookError {
  try {
    parsePlaybook(text, source)
  } catch (err) {
    expect(err).toBeInstanceOf(PlaybookError)
    return err as PlaybookError
  }
  throw new Error('expected parsePlaybook to throw')
}

describe('loadPlaybook (the shipped default)', () => {
  it('loads, validates and carries a 12-hex content version', async () => {
    const p = await loadPlaybook()
    expect(p.version).toMatch(/^[0-9a-f]{12}$/)
    expect(p.language).toBe('pt-BR')
    expect(p.persona.name).toBe('Ana')
    expect(p.qualification.fields.map((f) => f.key)).toEqual(['name', 'company', 'role', 'need', 'email', 'phone', 'budget', 'timeline'])
    expect(p.qualification.qualified_when).toEqual({ all: ['name', 'company', 'need'], any_of: [['email', 'phone']] })
    expect(p.limits).toEqual({ max_bot_turns: 12, max_reply_chars: 700, history_messages: 20, max_lead_chars: 2000 })
    expect(p.labels.qualified).toBe('lead-qualificado')
    expect(Object.isFrozen(p)).toBe(true)
  })

  it('has every fixed text and every question in pt-BR, en and es', async () => {
    const p = await loadPlaybook()
    for (const t of [...Object.values(p.texts), ...p.qualification.fields.map((f) => f.question)]) {
      expect(Object.keys(t).sort()).toEqual(['en', 'es', 'pt-BR'])
    }
  })

  it('gives the same version for the same file, and it is the hash of the text', async () => {
    const a = await loadPlaybook()
    const b = parsePlaybook(DEFAULT_TEXT, 'copy.yaml')
    expect(b.version).toBe(a.version)
  })

  it('fails with a clear error for a missing file', async () => {
    await expect(loadPlaybook('/nonexistent/playbook.yaml')).rejects.toThrow(/ENOENT/)
  })
})

describe('parsePlaybook rejects a broken playbook with a PlaybookError naming the problem', () => {
  it('invalid YAML', () => {
    const err = parseError('persona: [unclosed\n  name: x', 'bad.yaml')
    expect(err.name).toBe('PlaybookError')
    expect(err.message).toContain('Invalid playbook bad.yaml')
    expect(err.message).toContain('not valid YAML')
  })

  it('invalid JSON', () => {
    expect(parseError('{ "language": ', 'bad.json').message).toContain('not valid JSON')
  })

  it('a YAML document that is not a playbook at all', () => {
    expect(parseError('just a string').message).toContain('(root)')
  })

  it('an unknown field in qualified_when', () => {
    const d = defaultData()
    d['qualification'].qualified_when.all.push('budgett')
    const err = parseError(stringifyYaml(d))
    expect(err.message).toContain('qualification.qualified_when')
    expect(err.message).toContain('unknown field "budgett"')
  })

  it('an unknown field inside an any_of group', () => {
    const d = defaultData()
    d['qualification'].qualified_when.any_of = [['email', 'whatsapp']]
    expect(parseError(stringifyYaml(d)).message).toContain('unknown field "whatsapp"')
  })

  it('an empty qualification rule', () => {
    const d = defaultData()
    d['qualification'].qualified_when = { all: [], any_of: [] }
    expect(parseError(stringifyYaml(d)).message).toContain('needs at least one field')
  })

  it('duplicate field keys', () => {
    const d = defaultData()
    d['qualification'].fields.push({ ...d['qualification'].fields[0] })
    expect(parseError(stringifyYaml(d)).message).toContain('qualification.fields has duplicate keys')
  })

  it('a field key that is not lower_snake_case', () => {
    const d = defaultData()
    d['qualification'].fields[1].key = 'Company Name'
    expect(parseError(stringifyYaml(d)).message).toContain('field keys are lower_snake_case')
  })

  it('a text missing the playbook language', () => {
    const d = defaultData()
    delete d['texts'].handoff['pt-BR']
    const err = parseError(stringifyYaml(d))
    expect(err.message).toContain('texts.handoff')
    expect(err.message).toContain('missing the playbook language "pt-BR"')
  })

  it('limits out of range, naming the path', () => {
    const d = defaultData()
    d['limits'].max_reply_chars = 10
    expect(parseError(stringifyYaml(d)).message).toContain('limits.max_reply_chars')
  })

  it('lists every problem, not only the first', () => {
    const d = defaultData()
    delete d['texts'].greeting['pt-BR']
    delete d['texts'].opt_out['pt-BR']
    const msg = parseError(stringifyYaml(d)).message
    expect(msg).toContain('texts.greeting')
    expect(msg).toContain('texts.opt_out')
  })
})

describe('parsePlaybook (valid input)', () => {
  it('parses a JSON playbook (by its .json source) and applies defaults', () => {
    const p = parsePlaybook(JSON.stringify(minimal()), 'sales.json')
    expect(p.persona.name).toBe('Bo')
    expect(p.language).toBe('en')
    expect(p.qualification.qualified_when.any_of).toEqual([])
    expect(p.product.faq).toEqual([])
    expect(p.limits.max_bot_turns).toBe(12)
    expect(p.labels.opted_out).toBe('do-not-contact')
    expect(p.version).toMatch(/^[0-9a-f]{12}$/)
  })

  it('the version changes when the content changes', () => {
    const a = parsePlaybook(JSON.stringify(minimal()), 'a.json')
    const changed = minimal()
    changed.persona.tone = 'formal'
    const b = parsePlaybook(JSON.stringify(changed), 'a.json')
    expect(b.version).not.toBe(a.version)
    const d = defaultData()
    d['persona'].name = 'Bia'
    expect(parsePlaybook(stringifyYaml(d), 'x.yaml').version).not.toBe(parsePlaybook(DEFAULT_TEXT, 'x.yaml').version)
  })
})

describe('localize', () => {
  const text = { 'pt-BR': 'olá', en: 'hello', es: 'hola' }

  it.each([
    ['pt-BR', 'olá'],
    ['en', 'hello'],
    ['en-US', 'hello'],
    ['es', 'hola'],
    ['es-AR', 'hola'],
    ['pt', 'olá'],
    ['pt-PT', 'olá'],
    ['fr', 'olá'],
    ['', 'olá'],
  ])('%s → %s', (language, expected) => {
    expect(localize(text, language, 'pt-BR')).toBe(expected)
  })

  it('falls back to the playbook language, then to any text', () => {
    expect(localize({ en: 'hello', es: 'hola' }, 'fr', 'es')).toBe('hola')
    expect(localize({ en: 'hello' }, 'fr', 'pt-BR')).toBe('hello')
    expect(localize({}, 'fr', 'pt-BR')).toBe('')
  })
})

describe('fillTemplate', () => {
  it.each([
    { text: '{name}, de qual empresa você fala?', values: {}, out: 'De qual empresa você fala?' },
    { text: '{name}, de qual empresa você fala?', values: { name: '' }, out: 'De qual empresa você fala?' },
    { text: '{name}, de qual empresa você fala?', values: { name: 'Maria' }, out: 'Maria, de qual empresa você fala?' },
    { text: 'Obrigada, {name}!', values: { name: 'Maria' }, out: 'Obrigada, Maria!' },
    { text: 'Obrigada, {name}!', values: {}, out: 'Obrigada!' },
    { text: 'Thanks, {name}!', values: {}, out: 'Thanks!' },
    { text: '¡Gracias, {name}!', values: {}, out: '¡Gracias!' },
    { text: 'Perfeito, {name}! Já tenho o que preciso.', values: {}, out: 'Perfeito! Já tenho o que preciso.' },
    { text: '{name}, ¿de qué empresa nos escribes?', values: {}, out: '¿De qué empresa nos escribes?' },
    { text: 'Olá! Eu sou a {persona}, da MrDom. 😊', values: { persona: 'Ana' }, out: 'Olá! Eu sou a Ana, da MrDom. 😊' },
    { text: 'Sem placeholders.', values: { name: 'Maria' }, out: 'Sem placeholders.' },
  ])('"$text" with $values → "$out"', ({ text, values, out }) => {
    expect(fillTemplate(text, values)).toBe(out)
  })
})

describe('the English example playbook (playbooks/example-en.yaml)', () => {
  it('loads, validates and differs from the default in persona and language', async () => {
    const en = await loadPlaybook(new URL('../../../playbooks/example-en.yaml', import.meta.url))
    const pt = await loadPlaybook()
    expect(en.language).toBe('en')
    expect(en.persona.name).not.toBe(pt.persona.name)
    expect(en.version).not.toBe(pt.version)
    // Its own inboxes are commented out: used alone it answers every inbox.
    expect(en.inboxes).toEqual([])
    expect(en.costs.budget_per_conversation).toBeGreaterThan(0)
    expect(localize(en.texts.media_only, 'en', en.language)).toMatch(/only read text/)
  })
})

describe('playbook options of issue #7 (inboxes, texts.media_only, costs)', () => {
  it('defaults: no inboxes (the default playbook), built-in media_only texts, gpt-5-mini prices in USD, no budget', () => {
    const p = parsePlaybook(stringifyYaml(minimal()), 'min.yaml')
    expect(p.inboxes).toEqual([])
    expect(Object.keys(p.texts.media_only).sort()).toEqual(['en', 'es', 'pt-BR'])
    expect(p.costs).toEqual({ currency: 'USD', per_million_tokens: { input: 0.25, cached_input: 0.025, output: 2.0 }, models: {} })
  })

  it('the shipped default carries media_only in three languages and a budget', async () => {
    const p = await loadPlaybook()
    expect(localize(p.texts.media_only, 'pt-BR', p.language)).toMatch(/só consigo ler mensagens de texto/)
    expect(p.costs.budget_per_conversation).toBe(0.05)
    expect(p.costs.models['gpt-4o']).toEqual({ input: 2.5, cached_input: 1.25, output: 10 })
  })

  it('a media_only the playbook writes itself must have the playbook language', () => {
    const d = { ...minimal(), texts: { ...minimal().texts, media_only: { es: 'solo texto' } } }
    expect(parseError(stringifyYaml(d)).message).toContain('texts.media_only: missing the playbook language "en"')
  })

  it.each([
    ['a currency that is not an ISO code', { currency: 'dollars' }, 'costs.currency'],
    ['a negative price', { per_million_tokens: { input: -1, output: 1 } }, 'costs.per_million_tokens.input'],
    ['a zero budget', { budget_per_conversation: 0 }, 'costs.budget_per_conversation'],
    ['a model price without output', { models: { 'gpt-4o': { input: 2.5 } } }, 'costs.models.gpt-4o.output'],
  ])('refuses %s', (_what, costs, path) => {
    expect(parseError(stringifyYaml({ ...minimal(), costs })).message).toContain(path)
  })

  it('refuses inbox ids that are not positive integers', () => {
    expect(parseError(stringifyYaml({ ...minimal(), inboxes: [3, 0] })).message).toContain('inboxes.1')
    expect(parseError(stringifyYaml({ ...minimal(), inboxes: ['sales'] })).message).toContain('inboxes.0')
  })

  it('a PlaybookError lists its problems one by one', () => {
    const err = parseError(stringifyYaml({ ...minimal(), inboxes: [0], costs: { currency: 'x' } }))
    expect(err.problems).toHaveLength(2)
    expect(err.problems.join('\n')).toMatch(/inboxes\.0/)
  })
})
