import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { parseDataFile } from '../lib/data-file.js'
import { BusinessHours, businessHoursSchema } from './business-hours.js'
import { followUpsSchema, watchdogSchema } from './follow-ups.js'
import { localized, type Localized } from './localized.js'
import { memoByObject } from '../lib/memo.js'

export type { Localized }

// The bot's script, edited by the sales team: YAML (comments allowed) or JSON, validated at start.

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

/**
 * Texts a playbook may leave out: these answer instead (pt-BR, en, es). Only a text the playbook
 * writes itself must have the playbook's language.
 */
export const DEFAULT_TEXTS = {
  /** A message with only an image, a file, a location or an audio without transcription. */
  media_only: {
    'pt-BR': 'Recebi o que você enviou, mas por aqui só consigo ler mensagens de texto. Pode me escrever?',
    en: 'I got what you sent, but I can only read text messages here. Could you type it?',
    es: 'Recibí lo que enviaste, pero aquí solo puedo leer mensajes de texto. ¿Puedes escribirlo?',
  },
  /** Added to a handoff's message outside business_hours; {next_open} is when someone is in. */
  out_of_hours: {
    'pt-BR': 'Nosso time está fora do horário agora; uma pessoa te responde a partir de {next_open}.',
    en: 'Our team is out of the office right now; a person will answer you from {next_open}.',
    es: 'Nuestro equipo está fuera de horario ahora; una persona te responde a partir de {next_open}.',
  },
  /** The answer to "delete my data" (LGPD/GDPR): said before what we hold is erased. */
  erasure: {
    'pt-BR': 'Pronto: apagamos os dados desta conversa que guardamos e não vamos mais te escrever por aqui. Uma pessoa do time vai concluir a exclusão nos nossos outros sistemas.',
    en: 'Done: we erased the data from this conversation that we keep, and we will not write to you here again. A person on our team will complete the erasure in our other systems.',
    es: 'Listo: borramos los datos de esta conversación que guardamos y no te escribiremos más por aquí. Una persona del equipo completará el borrado en nuestros otros sistemas.',
  },
} as const satisfies Record<string, Localized>

/** USD per million tokens of gpt-4o-mini (the default OPENAI_MODEL) at the time of writing. */
const DEFAULT_PRICE = { input: 0.15, output: 0.6 }

/** Price of a model's tokens, per million, in the playbook's currency. */
const priceSchema = z.object({
  input: z.number().min(0),
  output: z.number().min(0),
})
export type TokenPrice = z.infer<typeof priceSchema>

export const playbookSchema = z.object({
  /**
   * Chatwoot inbox ids this playbook answers. Without it, the playbook is the default: it answers
   * every inbox no other playbook names (PLAYBOOK_PATH may be a folder of playbooks).
   */
  inboxes: z.array(z.number().int().positive()).max(1000).default([]),
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
    media_only: localized.default(DEFAULT_TEXTS.media_only),
    out_of_hours: localized.default(DEFAULT_TEXTS.out_of_hours),
    erasure: localized.default(DEFAULT_TEXTS.erasure),
  }),
  /** When humans are at work: handoffs say when someone will answer; follow-ups and the watchdog wait for open time. */
  business_hours: businessHoursSchema.optional(),
  /** Nudges to a lead who went quiet mid-qualification. */
  follow_ups: followUpsSchema.optional(),
  /** What happens when no human answers a handoff in time. */
  handoff_watchdog: watchdogSchema.optional(),
  /**
   * What the model's tokens cost (an estimate from this price table, not a bill) and how much one
   * conversation may spend before a person takes it over.
   */
  costs: z.object({
    /** ISO 4217 code: a metric label, so one short code. */
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as USD or BRL').default('USD'),
    per_million_tokens: priceSchema.default(DEFAULT_PRICE),
    /** Prices of other models (OPENAI_MODEL names); a model not listed costs per_million_tokens. */
    models: z.record(z.string().min(1), priceSchema).default({}),
    /** Estimated spend after which the conversation is handed to a human; unset = no budget. */
    budget_per_conversation: z.number().positive().optional(),
  }).default({ currency: 'USD', per_million_tokens: DEFAULT_PRICE, models: {} }),
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
    if (text[p.language] === undefined && !isDefaultText(name, text)) ctx.addIssue({ code: 'custom', path: ['texts', name], message: `missing the playbook language "${p.language}"` })
  }
})

export type PlaybookData = z.infer<typeof playbookSchema>

function isDefaultText (name: string, text: Localized): boolean {
  const fallback: Localized | undefined = (DEFAULT_TEXTS as Record<string, Localized>)[name]
  return fallback !== undefined && JSON.stringify(text) === JSON.stringify(fallback)
}

export interface Playbook extends PlaybookData {
  /** Short content hash: which script produced an answer. */
  readonly version: string
}

export class PlaybookError extends Error {
  /** One line per problem ("limits.max_bot_turns: Too big…"): what a refused reload logs. */
  readonly problems: string[]
  constructor (source: string, problems: readonly string[]) {
    super(`Invalid playbook ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'PlaybookError'
    this.problems = [...problems]
  }
}

export function parsePlaybook (text: string, source: string): Playbook {
  const parsed = parseDataFile(text, source, playbookSchema)
  if (!parsed.ok) throw new PlaybookError(source, parsed.problems)
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
 * A playbook text as this lead reads it: in their language, with {name} (their first name),
 * {persona} and any `extra` placeholders filled.
 */
export function leadText (
  playbook: Playbook,
  text: Localized,
  lead: { readonly language: string, readonly fields: Readonly<Record<string, string>> },
  extra: Readonly<Record<string, string>> = {}
): string {
  return fillTemplate(localize(text, lead.language, playbook.language), { name: lead.fields['name']?.split(' ')[0], persona: playbook.persona.name, ...extra })
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

/** The playbook's business hours, built once per playbook version (undefined: always open). */
export const businessHoursOf = memoByObject((playbook: Playbook): BusinessHours | undefined =>
  playbook.business_hours === undefined ? undefined : new BusinessHours(playbook.business_hours))
