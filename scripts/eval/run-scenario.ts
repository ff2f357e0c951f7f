// Plays one scenario through the real pipeline: the app built by buildApp, listening on loopback,
// signed webhooks over HTTP, and the stand-ins for Chatwoot and n8n (test/helpers). Records what
// reached them, step by step; scoring is score.ts's job.
import { performance } from 'node:perf_hooks'
import { request } from 'undici'
import { SECRET, startPipeline, type Pipeline } from '../../test/helpers/pipeline.js'
import { chatwootHeaders } from '../../test/helpers/sign.js'
import type { Config } from '../../src/config.js'
import type { Playbook } from '../../src/conversation/playbook.js'
import type { StoredMessage } from '../../test/helpers/fake-chatwoot.js'
import { choiceValuesOf, leadWebhook } from './lead-webhooks.js'
import type { PostedNote, PostedReply, WorkflowCall } from './policy.js'
import { stepMessages, type Scenario } from './scenario.js'

type OpenAiConfig = Config['openai']

/** A model through the OpenAI client (any compatible provider), with the OPENAI_* settings the app would read. */
export interface ModelBrain {
  readonly kind: 'model'
  readonly apiKey: string
  readonly model: string
  readonly baseUrl?: string
  readonly timeoutMs?: number
  readonly maxTokens?: number
  /** Unset: decided from the model and the base URL, as the app does. */
  readonly tokenParam?: NonNullable<OpenAiConfig['tokenParam']>
  readonly reasoningEffort?: NonNullable<OpenAiConfig['reasoningEffort']>
  readonly responseFormat?: OpenAiConfig['responseFormat']
}

/** Which brain answers: the scripted one, or a model. */
export type BrainSettings = { readonly kind: 'scripted' } | ModelBrain

/** Tokens the app counted in sdr_llm_tokens_total; `cachedPrompt` is the part of `prompt` the provider served from its cache. */
export interface TokenCounts {
  readonly prompt: number
  readonly cachedPrompt: number
  readonly completion: number
}

export interface RunSettings {
  readonly brain: BrainSettings
  /** PLAYBOOK_PATH of the app (absolute); unset: the app's default, playbooks/default.yaml. */
  readonly playbookPath?: string
  /** BOT_DEBOUNCE_MS of the app: a burst's messages must arrive closer together than this. */
  readonly debounceMs: number
  /** How long one step may take before the scenario is abandoned. */
  readonly stepTimeoutMs: number
  /** The playbook the app answers with: a button is clicked by its title in any of its languages. */
  readonly playbook?: Playbook
}

/** One "Lead turn decided" line of the worker: what the brain read, what the bot did. */
export interface DecidedTurn {
  readonly intent: string
  readonly from: string
  readonly to: string
  readonly adapter: string
  readonly actions: readonly string[]
}

export interface StepRun {
  readonly index: number
  readonly kind: 'lead' | 'agent' | 'wait'
  /** The webhook's answers to this step's deliveries ("accepted", "ignored:conversation_open"…). */
  readonly acks: readonly string[]
  readonly turns: readonly DecidedTurn[]
  readonly replies: ReadonlyArray<{ readonly content: string, readonly buttons: readonly string[], readonly latencyMs: number }>
  /** Fields the bot recorded in Chatwoot (custom attributes lead_*) after this step. */
  readonly fields: Readonly<Record<string, string>>
  /** The stage after this step: its last decided turn's, else the one before. */
  readonly stage: string
}

export interface ScenarioRun {
  readonly id: string
  readonly steps: readonly StepRun[]
  readonly replies: readonly PostedReply[]
  /** Private notes the bot posted (the handoff note), for the team, never for the lead. */
  readonly notes: readonly PostedNote[]
  readonly workflows: readonly WorkflowCall[]
  /** `reason` of each n8n handoff call, in order. */
  readonly handoffReasons: readonly string[]
  /** toggle_status open calls: how many times the bot gave the conversation to a person. */
  readonly handoffs: number
  readonly final: { readonly stage: string, readonly status: string, readonly labels: readonly string[], readonly fields: Readonly<Record<string, string>> }
  readonly tokens: TokenCounts
  /** Turns the scripted brain answered because the model failed (a model run only). */
  readonly brainFallbacks: number
  readonly durationMs: number
  /** Set when the scenario could not be played to the end (a step timed out, a button was missing). */
  readonly error: string | undefined
}

const ACCOUNT_ID = 3

export async function runScenario (scenario: Scenario, settings: RunSettings, conversationId: number): Promise<ScenarioRun> {
  const started = performance.now()
  const p = await startPipeline({ env: pipelineEnv(settings), captureLogs: true })
  const ref = { accountId: ACCOUNT_ID, conversationId }
  const posted: Array<PostedReply & { at: number }> = []
  const notes: PostedNote[] = []
  const unsubscribe = p.chatwoot.onMessage((m) => {
    if (m.conversationId !== conversationId) return
    if (m.private) {
      notes.push({ content: m.content ?? '' })
      return
    }
    const conv = p.chatwoot.conversation(ref)
    posted.push({ content: m.content ?? '', buttons: buttonTitles(m), status: conv.status, labels: [...conv.labels], at: performance.now() })
  })
  const playbook = settings.playbook
  const choiceValues = playbook !== undefined ? (text: string): string[] => choiceValuesOf(playbook, text) : undefined
  const steps: StepRun[] = []
  let logIndex = 0
  let error: string | undefined
  let tokens: TokenCounts = { prompt: 0, cachedPrompt: 0, completion: 0 }
  let brainFallbacks = 0
  try {
    for (const [index, step] of scenario.steps.entries()) {
      const repliesBefore = posted.length
      const acks: string[] = []
      let lastAck = performance.now()
      if ('lead' in step) {
        for (const [i, message] of stepMessages(step).entries()) {
          if (i > 0 && step.pause_ms > 0) await sleep(step.pause_ms)
          const body = leadWebhook({ chatwoot: p.chatwoot, ref, channel: scenario.channel, asPending: step.delivered_as_pending, ...(choiceValues !== undefined ? { choiceValues } : {}) }, message)
          acks.push(await post(p, body))
          lastAck = performance.now()
        }
      } else if ('agent' in step) {
        const status = await p.statusEvent(ref, step.agent === 'take' ? 'open' : 'pending')
        acks.push(status === 200 ? 'accepted' : `http_${status}`)
      } else {
        await sleep(step.wait_ms)
      }
      await idle(p, settings.stepTimeoutMs)
      const lines = p.app.logs.slice(logIndex)
      logIndex = p.app.logs.length
      const turns = decidedTurns(lines)
      steps.push({
        index,
        kind: 'lead' in step ? 'lead' : 'agent' in step ? 'agent' : 'wait',
        acks,
        turns,
        // The bot cannot answer before the debounce ends: latency is what it takes after that.
        replies: posted.slice(repliesBefore).map((r) => ({ content: r.content, buttons: r.buttons ?? [], latencyMs: Math.max(0, r.at - lastAck - settings.debounceMs) })),
        fields: leadFields(p.chatwoot.conversation(ref).customAttributes),
        stage: turns.at(-1)?.to ?? steps.at(-1)?.stage ?? 'new',
      })
    }
    const metrics = await p.metrics()
    tokens = tokensOf(metrics)
    brainFallbacks = sample(metrics, 'sdr_brain_calls_total', 'outcome="fallback"')
  } catch (err) {
    error = err instanceof Error ? err.message : String(err)
  } finally {
    unsubscribe()
    // Closing drains the worker, so the workflows fired in the background have reached n8n.
    await p.close()
  }
  const conv = p.chatwoot.conversation(ref)
  const n8nCalls = p.n8n.requests.filter((r) => r.method === 'POST')
  return {
    id: scenario.id,
    steps,
    replies: posted.map(({ content, buttons, status, labels }) => ({ content, buttons, status, labels })),
    notes,
    workflows: n8nCalls.map((r) => workflowCall(r.path, header(r.headers['idempotency-key']), r.body)),
    handoffReasons: n8nCalls.filter((r) => r.path.endsWith('/handoff')).map((r) => String((r.body as { reason?: unknown } | undefined)?.reason ?? '')),
    handoffs: p.chatwoot.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/toggle_status') && (r.body as { status?: unknown } | undefined)?.status === 'open').length,
    final: {
      stage: lastStage(steps),
      status: conv.status,
      labels: [...conv.labels],
      fields: leadFields(conv.customAttributes),
    },
    tokens,
    brainFallbacks,
    durationMs: performance.now() - started,
    error,
  }
}

function pipelineEnv (settings: RunSettings): Record<string, string | undefined> {
  const playbook = settings.playbookPath
  const b = settings.brain
  return {
    BOT_DEBOUNCE_MS: String(settings.debounceMs),
    BOT_MAX_WAIT_MS: String(Math.max(1000, settings.debounceMs * 10)),
    ...(playbook !== undefined ? { PLAYBOOK_PATH: playbook } : {}),
    ...(b.kind === 'model' ? modelEnv(b) : { OPENAI_API_KEY: undefined }),
  }
}

/** The OPENAI_* variables that make the app ask this model as the eval was told to. */
function modelEnv (b: ModelBrain): Record<string, string | undefined> {
  return {
    OPENAI_API_KEY: b.apiKey,
    OPENAI_MODEL: b.model,
    OPENAI_BASE_URL: b.baseUrl,
    OPENAI_TIMEOUT_MS: b.timeoutMs !== undefined ? String(b.timeoutMs) : undefined,
    OPENAI_MAX_TOKENS: b.maxTokens !== undefined ? String(b.maxTokens) : undefined,
    OPENAI_TOKEN_PARAM: b.tokenParam,
    OPENAI_REASONING_EFFORT: b.reasoningEffort,
    OPENAI_RESPONSE_FORMAT: b.responseFormat,
  }
}

/** The conversation's tokens, as the app counted them (failed billed calls included). */
function tokensOf (metrics: string): TokenCounts {
  return {
    prompt: sample(metrics, 'sdr_llm_tokens_total', 'kind="prompt"'),
    cachedPrompt: sample(metrics, 'sdr_llm_tokens_total', 'kind="cached_prompt"'),
    completion: sample(metrics, 'sdr_llm_tokens_total', 'kind="completion"'),
  }
}

/** Signs the body like Chatwoot >= 4.13 and POSTs it to the app; returns its answer in short. */
async function post (p: Pipeline, body: Record<string, unknown>): Promise<string> {
  const raw = Buffer.from(JSON.stringify(body))
  const headers = chatwootHeaders(raw, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) })
  const res = await request(`${p.app.url}/api/v1/webhooks/agentbot`, { method: 'POST', headers, body: raw })
  const answer = await res.body.json() as { status?: string, reason?: string }
  if (res.statusCode !== 200) return `http_${res.statusCode}`
  return answer.reason !== undefined ? `${answer.status ?? ''}:${answer.reason}` : answer.status ?? ''
}

/** Until the app's queue has nothing waiting or running: the step's turn is over (its reply, note, handoff). */
async function idle (p: Pipeline, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (p.app.app.queue.stats().lanes > 0) {
    if (performance.now() > deadline) throw new Error(`the bot did not finish a turn within ${timeoutMs} ms`)
    await sleep(5)
  }
}

function decidedTurns (lines: readonly string[]): DecidedTurn[] {
  const out: DecidedTurn[] = []
  for (const line of lines) {
    if (!line.includes('"Lead turn decided"')) continue
    const l = JSON.parse(line) as { intent?: unknown, from?: unknown, to?: unknown, adapter?: unknown, actions?: unknown }
    out.push({
      intent: String(l.intent),
      from: String(l.from),
      to: String(l.to),
      adapter: String(l.adapter),
      actions: Array.isArray(l.actions) ? l.actions.map(String) : [],
    })
  }
  return out
}

/** What n8n received: the path, the idempotency key, and the payload's reason and lead fields. */
function workflowCall (path: string, idempotencyKey: string | undefined, body: unknown): WorkflowCall {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { reason?: unknown, fields?: unknown }
  const fields = typeof b.fields === 'object' && b.fields !== null
    ? Object.fromEntries(Object.entries(b.fields).map(([k, v]) => [k, String(v)]))
    : undefined
  return {
    path,
    idempotencyKey,
    ...(typeof b.reason === 'string' ? { reason: b.reason } : {}),
    ...(fields !== undefined ? { fields } : {}),
  }
}

/** The titles of a quick-reply message's buttons (Chatwoot input_select items). */
function buttonTitles (m: StoredMessage): string[] {
  const list = m.contentAttributes['items']
  if (!Array.isArray(list)) return []
  return list.flatMap((i: unknown) => {
    const title = (i as { title?: unknown } | null)?.title
    return typeof title === 'string' ? [title] : []
  })
}

function lastStage (steps: readonly StepRun[]): string {
  return steps.flatMap((s) => s.turns).at(-1)?.to ?? 'new'
}

/** The lead's fields the bot keeps in Chatwoot's custom attributes (lead_<key>). */
function leadFields (attrs: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(attrs).filter(([k]) => k.startsWith('lead_')).map(([k, v]) => [k.slice(5), String(v)]))
}

/** Sum of a Prometheus sample's values whose labels include `label`. */
function sample (text: string, name: string, label: string): number {
  let total = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(label)) total += Number(line.slice(line.lastIndexOf(' ') + 1)) || 0
  }
  return total
}

const header = (v: string | string[] | undefined): string | undefined => Array.isArray(v) ? v[0] : v
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
