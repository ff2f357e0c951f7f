import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { parseDataFile } from '../lib/data-file.js'
import { BusinessHours, businessHoursSchema } from './business-hours.js'
import { followUpsSchema, watchdogSchema } from './follow-ups.js'
import { DEFAULT_PACING, pacingSchema } from './pacing.js'
import { entryFor, localized, localizedList, withLocalizedTexts, type Localized } from './localized.js'
import { memoByObject } from '../lib/memo.js'
import { speakingLanguage } from './playbook-languages.js'

export type { Localized }

// The bot's script, edited by the sales team: YAML (comments allowed) or JSON, validated at start.

const fieldKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'field keys are lower_snake_case')

const choiceSchema = z.object({
  /** What custom attributes and n8n get: stable, machine-readable. */
  value: z.string().min(1).max(80).regex(/^[\p{L}\p{N}_.:-]+$/u, 'a choice value is one word (letters, digits, _ . : -)'),
  /** The button's text, per language: what the lead and the sales team read. */
  title: z.record(z.string().min(2), z.string().min(1).max(80)),
  /** Other ways a lead says it, per language ("urgente", "asap"): read from free text. */
  synonyms: localizedList.optional(),
  /** An amount (budget) or a number of months (timeline) from min (inclusive) to max (exclusive). */
  min: z.number().optional(),
  max: z.number().optional(),
}).strict()
export type ChoiceSpec = z.infer<typeof choiceSchema>

const fieldSchema = z.object({
  key: fieldKey,
  label: localized,
  question: localized,
  /** How the bot asks again when the first question got no answer (another wording, an example). */
  rephrase: localized.optional(),
  /** Offered as quick-reply buttons (Chatwoot input_select) when the bot asks this field. */
  choices: z.array(choiceSchema).max(10).optional(),
  /** What min/max of the choices count: an amount of money, or months from now. */
  choices_measure: z.enum(['amount', 'months']).optional(),
  /** A lead with this value is disqualified (e.g. budget "none"). */
  disqualify_values: z.array(z.string()).optional(),
})
export type FieldSpec = z.infer<typeof fieldSchema>

/** A kind of lead the team does not sell to (a job seeker, a vendor…), recognised from what they write. */
const disqualifierSchema = z.object({
  /** Why, in lower_snake_case: the `reason` of the lead_disqualified workflow and the note. */
  reason: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a reason is lower_snake_case'),
  /** Words or phrases, per language, found anywhere in the lead's message (case and accents ignored). */
  phrases: localizedList.optional(),
  /** Regular expressions, per language, tested on the message lower-cased without accents. */
  patterns: localizedList.optional(),
  /** Field values that disqualify for this reason (e.g. budget: [ate_1000]). */
  values: z.record(fieldKey, z.array(z.string().min(1))).optional(),
  /** The short, polite closing said to this lead (else texts.disqualified). */
  reply: localized.optional(),
}).strict()
export type Disqualifier = z.infer<typeof disqualifierSchema>

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
  /** A short, polite closing to a lead the team does not sell to (qualification.disqualify_when). */
  disqualified: {
    'pt-BR': 'Obrigada pela mensagem! Por aqui eu atendo empresas interessadas nos nossos produtos, então vou encerrar por aqui. Tudo de bom!',
    en: 'Thanks for your message! Here I help companies interested in our products, so I\'ll close this chat here. All the best!',
    es: '¡Gracias por tu mensaje! Aquí atiendo a empresas interesadas en nuestros productos, así que cierro la conversación aquí. ¡Todo lo mejor!',
  },
  /** Said once to a lead whose part with the bot is over and who writes a closing word ("ok, obrigada"). */
  goodbye: {
    'pt-BR': 'Tudo certo, obrigada pela conversa! Até mais. 👋',
    en: 'All right, thanks for the chat! Take care. 👋',
    es: '¡Perfecto, gracias por la conversación! Hasta luego. 👋',
  },
  /** The bot asked several times without getting anywhere: it offers a person instead of asking again. */
  stalled: {
    'pt-BR': 'Acho que uma pessoa do nosso time pode te ajudar melhor. Vou passar a conversa para ela, que responde por aqui em breve.',
    en: 'I think someone on our team can help you better. I\'m passing the conversation to them, and they\'ll answer here shortly.',
    es: 'Creo que una persona de nuestro equipo puede ayudarte mejor. Le paso la conversación y te responderá por aquí en breve.',
  },
  /** A thank-you after the first: "Obrigada, Maria!" at every turn reads like a machine. */
  noted: {
    'pt-BR': 'Anotado!',
    en: 'Got it!',
    es: '¡Anotado!',
  },
  /** Before the same question asked a second time (the lead answered something else). */
  retry: {
    'pt-BR': 'Só para eu seguir:',
    en: 'Just so I can move on:',
    es: 'Solo para poder seguir:',
  },
  /** Before the options of a choice, listed with their numbers when the buttons were not used. */
  choose: {
    'pt-BR': 'Pode responder com o número:',
    en: 'You can answer with the number:',
    es: 'Puedes responder con el número:',
  },
  /** The answer to "delete my data" (LGPD/GDPR): said before what we hold is erased. */
  erasure: {
    'pt-BR': 'Pronto: apagamos os dados desta conversa que guardamos e não vamos mais te escrever por aqui. Uma pessoa do time vai concluir a exclusão nos nossos outros sistemas.',
    en: 'Done: we erased the data from this conversation that we keep, and we will not write to you here again. A person on our team will complete the erasure in our other systems.',
    es: 'Listo: borramos los datos de esta conversación que guardamos y no te escribiremos más por aquí. Una persona del equipo completará el borrado en nuestros otros sistemas.',
  },
} as const satisfies Record<string, Localized>

/** gpt-5-mini, the default OPENAI_MODEL (OpenAI's list price, USD, 2025-11; docs/openai.md). */
const DEFAULT_PRICE = { input: 0.25, cached_input: 0.025, output: 2.0 }

/** Price of a model's tokens, per million, in the playbook's currency. */
const priceSchema = z.object({
  input: z.number().min(0),
  /** Input served from the provider's prompt cache; unset = the input price. */
  cached_input: z.number().min(0).optional(),
  output: z.number().min(0),
})
export type TokenPrice = z.infer<typeof priceSchema>

export const playbookSchema = z.preprocess(withLocalizedTexts, z.object({
  /**
   * Chatwoot inbox ids this playbook answers. Without it, the playbook is the default: it answers
   * every inbox no other playbook names (PLAYBOOK_PATH may be a folder of playbooks).
   */
  inboxes: z.array(z.number().int().positive()).max(1000).default([]),
  language: z.string().min(2).default('pt-BR'),
  /**
   * The languages the bot speaks: every lead-facing text should exist in each (loading reports the
   * gaps). Unset: the languages every text has. A lead in another language is answered in `language`.
   */
  languages: z.array(z.string().min(2)).max(20).optional(),
  persona: z.object({
    name: z.string().min(1),
    company: z.string().min(1),
    tone: z.string().min(1),
  }),
  product: z.object({
    summary: z.string().min(1),
    facts: z.array(localized).default([]),
    faq: z.array(z.object({ question: localized, answer: localized, keywords: z.array(z.string()).default([]) })).default([]),
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
    /** Leads the team does not sell to: a polite closing and lead_disqualified with the reason. */
    disqualify_when: z.array(disqualifierSchema).max(50).default([]),
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
    disqualified: localized.default(DEFAULT_TEXTS.disqualified),
    goodbye: localized.default(DEFAULT_TEXTS.goodbye),
    stalled: localized.default(DEFAULT_TEXTS.stalled),
    noted: localized.default(DEFAULT_TEXTS.noted),
    retry: localized.default(DEFAULT_TEXTS.retry),
    choose: localized.default(DEFAULT_TEXTS.choose),
  }),
  /** When humans are at work: handoffs say when someone will answer; follow-ups and the watchdog wait for open time. */
  business_hours: businessHoursSchema.optional(),
  /** Nudges to a lead who went quiet mid-qualification. */
  follow_ups: followUpsSchema.optional(),
  /** What happens when no human answers a handoff in time. */
  handoff_watchdog: watchdogSchema.optional(),
  /** How a long reply goes out: several chat-sized messages with a pause between them. */
  pacing: pacingSchema.default(DEFAULT_PACING),
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
  for (const [i, d] of p.qualification.disqualify_when.entries()) {
    for (const k of Object.keys(d.values ?? {})) {
      if (!keys.has(k)) ctx.addIssue({ code: 'custom', path: ['qualification', 'disqualify_when', i, 'values'], message: `unknown field "${k}"` })
    }
    for (const [lang, list] of Object.entries(d.patterns ?? {})) {
      for (const pattern of list) {
        if (!isRegExp(pattern)) ctx.addIssue({ code: 'custom', path: ['qualification', 'disqualify_when', i, 'patterns', lang], message: `not a valid regular expression: ${pattern}` })
      }
    }
  }
}))

function isRegExp (pattern: string): boolean {
  try {
    RegExp(pattern, 'u')
    return true
  } catch {
    return false
  }
}

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
  return entryFor(text, language) ?? entryFor(text, fallback) ?? Object.values(text)[0] ?? ''
}

/** A text in the language this lead is answered in (playbook-languages.ts): never a mix of two. */
export function inLeadLanguage (playbook: Playbook, text: Localized, leadLanguage: string): string {
  return localize(text, speakingLanguage(playbook, leadLanguage), playbook.language)
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
  return fillTemplate(inLeadLanguage(playbook, text, lead.language), { name: lead.fields['name']?.split(' ')[0], persona: playbook.persona.name, ...extra })
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
