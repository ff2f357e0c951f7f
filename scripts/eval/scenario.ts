// The scenario files in evals/scenarios: what a lead says, step by step, and what must come out.
// Validated with zod so a typo in a scenario fails loudly instead of silently scoring nothing.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseDataFile } from '../../src/lib/data-file.js'
import { z } from 'zod'
import { HANDOFF_REASONS, INTENTS, STAGES, WORKFLOWS } from '../../src/conversation/types.js'

export const CHANNELS = ['whatsapp', 'web_widget', 'api'] as const
export type Channel = typeof CHANNELS[number]

const nonEmpty = z.string().trim().min(1)

/** True when the string compiles as the case-insensitive regular expression scenarios and policies use. */
export function isPattern (s: string): boolean {
  try {
    RegExp(s, 'iu')
    return true
  } catch {
    return false
  }
}

/** A regular expression written as a string (matched case-insensitively). */
const pattern = nonEmpty.refine(isPattern, 'not a valid regular expression')

/**
 * What a field must hold. A string: the value contains it, compared without case, accents,
 * spaces or punctuation ("Acme" matches "ACME Ltda."). `{ matches }`: a regular expression.
 * `null`: the field must not have been extracted (a lead who refused to give it).
 */
export const fieldExpectationSchema = z.union([nonEmpty, z.object({ matches: pattern }).strict(), z.null()])
export type FieldExpectation = z.infer<typeof fieldExpectationSchema>

const fieldsSchema = z.record(z.string().regex(/^[a-z][a-z0-9_]*$/), fieldExpectationSchema)

/**
 * Expectation keys the scripted brain is not expected to meet (a keyword reader cannot summarise a
 * need or tell small talk from a question): scored only when a model answers, and reported apart
 * otherwise. `intent`, `stage`, `reply`, `reply_language`, `reply_matches`, `reason`, `disqualify_reason`, `workflows`,
 * or `fields.<key>`.
 */
const needsModelSchema = z.array(z.string().regex(/^(intent|stage|reply|reply_language|reply_matches|reason|disqualify_reason|workflows|fields\.[a-z][a-z0-9_]*)$/)).default([])

/** A stage, or the stages any of which is right (a lead's words two readings fit equally well). */
const stagesSchema = z.union([z.enum(STAGES), z.array(z.enum(STAGES)).min(1)])
export type StageExpectation = z.infer<typeof stagesSchema>

/**
 * Handoff reasons a scenario may expect: the bot's own, plus `stalled` (a lead who made no progress
 * for several turns is offered a person), which the scenarios specify before the bot has it.
 */
export const EXPECTED_HANDOFF_REASONS = [...new Set<string>([...HANDOFF_REASONS, 'stalled'])] as [string, ...string[]]

const languageSchema = z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'a language tag such as pt-BR, en or es')

export const stepExpectSchema = z.object({
  /** The bot answers this step with exactly one public message (true, the default) or stays silent. */
  reply: z.boolean().default(true),
  intent: z.enum(INTENTS).optional(),
  /** Fields known after this step (what the bot recorded in Chatwoot's custom attributes). */
  fields: fieldsSchema.optional(),
  stage: stagesSchema.optional(),
  /**
   * The language of every line of the reply and of every button from this step on (a lead who
   * switches language midway); until a step says otherwise, the scenario's `language`.
   */
  reply_language: languageSchema.optional(),
  /** The reply matches each of these. */
  reply_matches: z.array(pattern).optional(),
  needs_model: needsModelSchema,
}).strict()

const mediaSchema = z.object({
  media: z.enum(['image', 'audio', 'video', 'file', 'location']),
  /** Chatwoot's transcription of an audio message, when it made one. */
  transcript: nonEmpty.optional(),
  /** A caption sent with the file. */
  text: nonEmpty.optional(),
}).strict()

/** A quick-reply button of the bot's last question (a `message_updated` with `submitted_values`). */
const selectSchema = z.object({ select: nonEmpty }).strict()

export const leadMessageSchema = z.union([z.string().min(1), mediaSchema, selectSchema])
export type LeadMessage = z.infer<typeof leadMessageSchema>

const leadStepSchema = z.object({
  /** One message, or several typed in a row (a burst the bot should answer once). */
  lead: z.union([leadMessageSchema, z.array(leadMessageSchema).min(1).max(10)]),
  /** Pause between the messages of a burst, in ms (shorter than the debounce: still one answer). */
  pause_ms: z.number().int().min(0).max(5000).default(0),
  /** Delivered as if Chatwoot still showed the conversation pending (a race with a handoff). */
  delivered_as_pending: z.boolean().default(false),
  expect: stepExpectSchema.default({ reply: true, needs_model: [] }),
}).strict()

const agentStepSchema = z.object({
  /** A person in Chatwoot takes the conversation (status open) or hands it back to the bot (pending). */
  agent: z.enum(['take', 'hand_back']),
}).strict()

const waitStepSchema = z.object({ wait_ms: z.number().int().min(1).max(10_000) }).strict()

export const stepSchema = z.union([leadStepSchema, agentStepSchema, waitStepSchema])
export type Step = z.infer<typeof stepSchema>
export type LeadStep = z.infer<typeof leadStepSchema>
export type StepExpect = z.infer<typeof stepExpectSchema>

/** Stages that end the bot's part: every scenario reaches one unless it says it is open_ended. */
export const ENDINGS: readonly string[] = ['qualified', 'disqualified', 'opted_out', 'handoff']

export const finalExpectSchema = z.object({
  stage: stagesSchema,
  /** Why the conversation went to a person (the n8n handoff workflow's `reason`). */
  reason: z.enum(EXPECTED_HANDOFF_REASONS).optional(),
  /** The `reason` of the lead_disqualified workflow (job_seeker, student, vendor, wrong_number…). */
  disqualify_reason: z.string().regex(/^[a-z][a-z0-9_]*$/).optional(),
  /**
   * The scenario stops mid-conversation on purpose (it tests one reply, not an ending): without it,
   * a conversation left open (not qualified, disqualified, opted out or with a person) is a violation.
   */
  open_ended: z.boolean().default(false),
  fields: fieldsSchema.optional(),
  /** Exactly these workflows fired (each once), in any order. */
  workflows: z.array(z.enum(WORKFLOWS)).optional(),
  /** Chatwoot labels the conversation must carry. */
  labels: z.array(nonEmpty).optional(),
  needs_model: needsModelSchema,
}).strict()
export type FinalExpect = z.infer<typeof finalExpectSchema>

export const scenarioSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{2,80}$/, 'kebab-case'),
  title: nonEmpty,
  /** Categories for the scorecard (typical, opt-out, prompt-injection…). */
  tags: z.array(z.string().regex(/^[a-z0-9-]+$/)).min(1),
  channel: z.enum(CHANNELS).default('whatsapp'),
  /** The lead's language: the language every reply is expected in until a step says otherwise. */
  language: languageSchema,
  /** Another playbook than the run's (a path from the repository root). */
  playbook: nonEmpty.optional(),
  steps: z.array(stepSchema).min(1).max(40),
  final: finalExpectSchema,
  /** Reply texts this scenario must never produce (regular expressions), beyond evals/policy.yaml. */
  never_say: z.array(pattern).default([]),
}).strict().superRefine((s, ctx) => {
  const check = (needs: readonly string[], present: (key: string) => boolean, path: Array<string | number>): void => {
    for (const key of needs) if (!present(key)) ctx.addIssue({ code: 'custom', path, message: `needs_model names "${key}", which this expectation does not set` })
  }
  s.steps.forEach((step, i) => {
    if (!('lead' in step)) return
    const e = step.expect
    check(e.needs_model, (k) => k === 'reply' || (k.startsWith('fields.') ? e.fields?.[k.slice(7)] !== undefined : e[k as keyof StepExpect] !== undefined), ['steps', i, 'expect', 'needs_model'])
    if (!e.reply && (e.reply_language !== undefined || e.reply_matches !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['steps', i, 'expect'], message: 'a silent step (reply: false) cannot expect a reply language or text' })
    }
  })
  const f = s.final
  check(f.needs_model, (k) => k.startsWith('fields.') ? f.fields?.[k.slice(7)] !== undefined : k === 'stage' || f[k as keyof FinalExpect] !== undefined, ['final', 'needs_model'])
  const finalStages = typeof f.stage === 'string' ? [f.stage] : f.stage
  if (f.reason !== undefined && finalStages.some((st) => st !== 'handoff' && st !== 'qualified')) {
    ctx.addIssue({ code: 'custom', path: ['final', 'reason'], message: 'a handoff reason needs the final stage handoff or qualified' })
  }
  if (f.disqualify_reason !== undefined && finalStages.some((st) => st !== 'disqualified')) {
    ctx.addIssue({ code: 'custom', path: ['final', 'disqualify_reason'], message: 'a disqualify reason needs the final stage disqualified' })
  }
  if (f.open_ended && finalStages.every((st) => ENDINGS.includes(st))) {
    ctx.addIssue({ code: 'custom', path: ['final', 'open_ended'], message: 'open_ended is for a scenario that stops before an ending; this one expects an ending' })
  }
})
export type Scenario = z.infer<typeof scenarioSchema>

export const scenarioFileSchema = z.object({ scenarios: z.array(scenarioSchema).min(1) }).strict()

export class ScenarioFileError extends Error {
  constructor (readonly file: string, readonly problems: readonly string[]) {
    super(`${file}:\n  ${problems.join('\n  ')}`)
    this.name = 'ScenarioFileError'
  }
}

/** Parses one scenario file (YAML or JSON); every problem is listed with its path. */
export function parseScenarioFile (text: string, file: string): Scenario[] {
  const parsed = parseDataFile(text, file, scenarioFileSchema)
  if (!parsed.ok) throw new ScenarioFileError(file, parsed.problems)
  return parsed.data.scenarios
}

/**
 * Every scenario under `dir` (*.yaml, *.yml, *.json), sorted by file then order. Ids must be unique
 * and a named playbook must exist (paths are relative to `root`, the repository).
 */
export function loadScenarios (dir: string, root: string): Scenario[] {
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()
  const all: Scenario[] = []
  const problems: string[] = []
  for (const file of files) {
    const path = join(dir, file)
    all.push(...parseScenarioFile(readFileSync(path, 'utf8'), path))
  }
  const seen = new Set<string>()
  for (const s of all) {
    if (seen.has(s.id)) problems.push(`duplicate scenario id "${s.id}"`)
    seen.add(s.id)
    if (s.playbook !== undefined && !existsSync(resolve(root, s.playbook))) problems.push(`${s.id}: playbook ${s.playbook} does not exist`)
  }
  if (problems.length > 0) throw new ScenarioFileError(dir, problems)
  return all
}

/** The messages of a lead step, as a list. */
export const stepMessages = (step: LeadStep): LeadMessage[] => Array.isArray(step.lead) ? step.lead : [step.lead]
