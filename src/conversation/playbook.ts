import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'

// The bot's script, edited by the sales team: YAML (comments allowed) or JSON, validated at start.

/** Text per language tag ("pt-BR", "en", "es"); the playbook's language is the fallback. */
const localized = z.record(z.string().min(2), z.string().min(1))
export type Localized = z.infer<typeof localized>

const fieldKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'field keys are lower_snake_case')

const fieldSchema = z.object({
  key: fieldKey,
  label: localized,
  question: localized,
  /** Offered as quick-reply buttons (Chatwoot input_select) when the bot asks this field. */
  choices: z.array(z.object({ title: z.string().min(1).max(80), value: z.string().min(1).max(80) })).max(10).optional(),
  /** A lead with this value is disqualified (e.g. budget "none"). */
  disqualify_values: z.array(z.string()).optional(),
})
export type FieldSpec = z.infer<typeof fieldSchema>

export const playbookSchema = z.object({
  language: z.string().min(2).default('pt-BR'),
  persona: z.object({
    name: z.string().min(1),
    company: z.string().min(1),
    tone: z.string().min(1),
  }),
  product: z.object({
    summary: z.string().min(1),
    facts: z.array(z.string()).default([]),
    faq: z.array(z.object({ question: z.string().min(1), answer: z.string().min(1), keywords: z.array(z.string()).default([]) })).default([]),
    /** Promises the bot must never make (discounts, deadlines…): told to the model (the scripted brain never makes any). */
    forbidden_promises: z.array(z.string()).default([]),
  }),
  /** For the humans who take over: goes into the handoff note, never into a prompt or a reply. */
  private_notes: z.string().optional(),
  qualification: z.object({
    fields: z.array(fieldSchema).min(1),
    qualified_when: z.object({
      all: z.array(fieldKey).default([]),
      /** Each group needs at least one of its fields (e.g. e-mail or phone). */
      any_of: z.array(z.array(fieldKey).min(1)).default([]),
    }),
  }),
  limits: z.object({
    max_bot_turns: z.number().int().min(1).max(100).default(12),
    max_reply_chars: z.number().int().min(80).max(4000).default(700),
    history_messages: z.number().int().min(2).max(100).default(20),
    // What one lead turn may put into the history and the prompt (cost control); the rest is cut.
    max_lead_chars: z.number().int().min(200).max(20_000).default(2000),
  }).default({ max_bot_turns: 12, max_reply_chars: 700, history_messages: 20, max_lead_chars: 2000 }),
  texts: z.object({
    greeting: localized,
    handoff: localized,
    qualified: localized,
    meeting: localized,
    opt_out: localized,
    not_interested: localized,
    out_of_scope: localized,
    acknowledge: localized,
  }),
  labels: z.object({
    qualified: z.string().default('lead-qualificado'),
    handoff: z.string().default('bot-handoff'),
    disqualified: z.string().default('lead-desqualificado'),
    opted_out: z.string().default('do-not-contact'),
  }).default({ qualified: 'lead-qualificado', handoff: 'bot-handoff', disqualified: 'lead-desqualificado', opted_out: 'do-not-contact' }),
}).superRefine((p, ctx) => {
  const keys = new Set(p.qualification.fields.map((f) => f.key))
  if (keys.size !== p.qualification.fields.length) ctx.addIssue({ code: 'custom', message: 'qualification.fields has duplicate keys' })
  const rule = [...p.qualification.qualified_when.all, ...p.qualification.qualified_when.any_of.flat()]
  for (const k of rule) {
    if (!keys.has(k)) ctx.addIssue({ code: 'custom', path: ['qualification', 'qualified_when'], message: `unknown field "${k}"` })
  }
  if (rule.length === 0) ctx.addIssue({ code: 'custom', path: ['qualification', 'qualified_when'], message: 'needs at least one field' })
  for (const [name, text] of Object.entries(p.texts)) {
    if (text[p.language] === undefined) ctx.addIssue({ code: 'custom', path: ['texts', name], message: `missing the playbook language "${p.language}"` })
  }
})

export type PlaybookData = z.infer<typeof playbookSchema>

export interface Playbook extends PlaybookData {
  /** Short content hash: which script produced an answer. */
  readonly version: string
}

export class PlaybookError extends Error {
  constructor (source: string, problems: readonly string[]) {
    super(`Invalid playbook ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'PlaybookError'
  }
}

export function parsePlaybook (text: string, source: string): Playbook {
  let raw: unknown
  try {
    raw = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    throw new PlaybookError(source, [`not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}`])
  }
  const parsed = playbookSchema.safeParse(raw)
  if (!parsed.success) {
    throw new PlaybookError(source, parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`))
  }
  const version = createHash('sha256').update(text).digest('hex').slice(0, 12)
  return Object.freeze({ ...parsed.data, version })
}

export const DEFAULT_PLAYBOOK_URL = new URL('../../playbooks/default.yaml', import.meta.url)

export async function loadPlaybook (path: string | URL = DEFAULT_PLAYBOOK_URL): Promise<Playbook> {
  const text = await readFile(path, 'utf8')
  return parsePlaybook(text, path instanceof URL ? path.pathname : path)
}

/** The text in the lead's language, else the base language ("es-AR" → "es"), else the playbook's. */
export function localize (text: Localized, language: string, fallback: string): string {
  const base = language.split('-')[0] ?? language
  const exact = text[language] ?? text[base] ?? Object.entries(text).find(([k]) => k.split('-')[0] === base)?.[1]
  return exact ?? text[fallback] ?? Object.values(text)[0] ?? ''
}

/**
 * Replaces {key} placeholders. A placeholder with no value is dropped with the comma or space after
 * it ("{name}, de qual empresa…" → "De qual empresa…"), so a question still reads well before the
 * lead gave a name.
 */
export function fillTemplate (text: string, values: Readonly<Record<string, string | undefined>>): string {
  const filled = text.replace(/(,\s*)?\{(\w+)\}([,!]?\s*)/g, (_whole, lead: string | undefined, key: string, tail: string) => {
    const value = values[key]
    if (value !== undefined && value !== '') return (lead ?? '') + value + tail
    // "Obrigada, {name}!" → "Obrigada!": the comma before it goes, the punctuation after it stays.
    return lead !== undefined ? tail.replace(/^,/, '') : ''
  }).replace(/\s+([,.!?])/g, '$1').trim()
  // Past an opening "¿" or "¡" too: "{name}, ¿de qué…" → "¿De qué…".
  return filled.replace(/^([¿¡]?)(\p{Ll})/u, (_m, open: string, letter: string) => open + letter.toUpperCase())
}
