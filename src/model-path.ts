import type { FastifyBaseLogger } from 'fastify'
import { z } from 'zod'
import type { OnCall } from './clients/http.js'
import type { LlmClient, LlmNotice, LlmRequest } from './clients/llm.js'
import type { LlmHealth, OpenAiClient, OpenAiClientOptions } from './clients/openai.js'
import type { Config } from './config.js'
import type { BrainObserver, BrainUsage } from './conversation/brain.js'
import { usageCost } from './conversation/costs.js'
import type { Playbook } from './conversation/playbook.js'
import type { Metrics } from './lib/metrics.js'

// The model path as operators see it: the OpenAI client (loaded only when a key is set), what its
// failures log and count, the opt-in start-up check, and the health the readiness reports.

export interface ModelPath {
  readonly llm: LlmClient
  /** Resolves once the SDK is loaded; the start-up check, when on, runs after it without holding the start. */
  readonly ready: Promise<unknown>
  health (): LlmHealth
}

/** Where calls made outside a turn (the start-up check) are counted: the turns' own counters. */
export interface ModelMetering {
  readonly metrics: Metrics
  /** The playbook whose `costs` price those calls: the default one, as no inbox asked. */
  readonly playbook: () => Playbook
}

const CODE = /^[a-z0-9_.-]{1,40}$/i
/** A metric label from the provider's code: bounded, or `other`. */
const codeLabel = (code: unknown): string => typeof code === 'string' && CODE.test(code) ? code.toLowerCase() : 'other'

/** What a failed call's log line carries: never the prompt or the answer. */
function describe (err: unknown): Record<string, unknown> {
  if (err === null || typeof err !== 'object') return { message: String(err) }
  const e = err as Record<string, unknown>
  const pick = ['kind', 'status', 'code', 'param', 'type', 'requestId'].filter((k) => e[k] !== undefined)
  // A provider's refusal always shows its code and param, null when it named none: "no param" is an answer too.
  const http = e['kind'] === 'http' ? { code: e['code'] ?? null, param: e['param'] ?? null } : {}
  return { message: e['message'], ...Object.fromEntries(pick.map((k) => [k, e[k]])), ...http }
}

/** The provider's code, else the status (`status_500`), else the kind's own reason. */
function errorCode (err: { code?: unknown, status?: unknown } | undefined): string {
  if (typeof err?.code === 'string') return codeLabel(err.code)
  return typeof err?.status === 'number' ? `status_${err.status}` : 'other'
}

/** Billed tokens by kind: cached and reasoning tokens are parts of prompt and completion. */
function countTokens (metrics: Metrics, usage: BrainUsage): void {
  metrics.llmTokens.inc({ kind: 'prompt' }, usage.promptTokens)
  metrics.llmTokens.inc({ kind: 'completion' }, usage.completionTokens)
  if ((usage.cachedPromptTokens ?? 0) > 0) metrics.llmTokens.inc({ kind: 'cached_prompt' }, usage.cachedPromptTokens)
  if ((usage.reasoningTokens ?? 0) > 0) metrics.llmTokens.inc({ kind: 'reasoning' }, usage.reasoningTokens)
}

/** A call no turn paid for: its tokens, and its cost at the default playbook's prices (the worker costs a turn's). */
function meterOutsideTurn (metering: ModelMetering, usage: BrainUsage): void {
  countTokens(metering.metrics, usage)
  const playbook = metering.playbook()
  metering.metrics.llmCost.inc({ model: usage.model ?? 'unknown', currency: playbook.costs.currency }, usageCost(playbook, usage))
}

/**
 * Counts and logs what the model did on a turn: tokens of every billed call (failed ones too),
 * a configuration failure at error level with the provider's code and parameter, anything else as
 * a warning: in each case the scripted brain answers.
 */
export function observeModel (metrics: Metrics, log: FastifyBaseLogger, model: string): BrainObserver {
  return (e) => {
    metrics.brainCalls.inc({ adapter: e.adapter, outcome: e.outcome })
    if (e.adapter !== 'openai') return
    metrics.llmLatency.observe({ outcome: e.outcome }, e.latencyMs / 1000)
    if (e.usage !== undefined) countTokens(metrics, e.usage)
    if (e.outcome === 'ok') return
    const err = e.error as { kind?: unknown, code?: unknown, status?: unknown, misconfigured?: unknown } | undefined
    metrics.llmErrors.inc({ kind: typeof err?.kind === 'string' ? err.kind : 'error', code: errorCode(err) })
    if (err?.misconfigured === true) {
      log.error({ model, llm: describe(e.error) }, 'OpenAI refused the request (key, model, parameter or quota): every turn falls back to the scripted brain until it is fixed')
    } else {
      log.warn({ model, outcome: e.outcome, llm: describe(e.error) }, 'OpenAI failed; the scripted brain answers')
    }
  }
}

function noticeLogger (log: FastifyBaseLogger): (notice: LlmNotice) => void {
  return (notice) => {
    if (notice.kind === 'adapted') {
      log.warn(notice, `The model rejected ${notice.param}: asking with ${notice.to} from now on (set it in the OPENAI_* variables to skip the first failed call)`)
    } else {
      log.warn(notice, 'The model\'s provider reports no token usage: cost is estimated from the text length')
    }
  }
}

const checkSchema = z.object({ ok: z.boolean() })

/**
 * One tiny completion, with the parameters every turn uses: a wrong key, model or parameter shows
 * now, not on the first lead. What it is billed, answered or not, is counted like a turn's.
 */
async function startupCheck (client: OpenAiClient, log: FastifyBaseLogger, model: string, metering: ModelMetering | undefined): Promise<void> {
  const req: LlmRequest<{ ok: boolean }> = {
    system: 'You check that this model answers. Answer with JSON only.',
    messages: [{ role: 'user', content: 'Answer {"ok": true}.' }],
    schema: checkSchema,
    schemaName: 'startup_check',
  }
  try {
    const result = await client.complete(req)
    if (metering !== undefined) meterOutsideTurn(metering, result.usage)
    log.info({ model, latencyMs: result.latencyMs }, 'OpenAI answered the start-up check')
  } catch (err) {
    const billed = (err as { usage?: BrainUsage | undefined }).usage
    if (metering !== undefined && billed !== undefined) meterOutsideTurn(metering, billed)
    if ((err as { misconfigured?: unknown }).misconfigured === true) {
      log.error({ model, llm: describe(err) }, 'OpenAI failed the start-up check: leads get the scripted brain until it is fixed')
    } else {
      // A timeout, a 5xx or an odd answer says nothing about the configuration: the turns will tell.
      log.warn({ model, llm: describe(err) }, 'OpenAI start-up check inconclusive (a timeout, a server error or an unexpected answer): the turns will show whether the model works')
    }
  }
}

/**
 * The OpenAI SDK is imported only when a key is set (about 13 MB resident otherwise paid by the
 * scripted brain alone). The import starts at wiring time and the app waits for it before it
 * listens: on a small machine it takes up to a second, which the first leads would wait.
 */
export function createModelPath (config: Config, log: FastifyBaseLogger, onCall: OnCall, metering?: ModelMetering): ModelPath | undefined {
  const { apiKey, model } = config.openai
  if (apiKey === undefined) return undefined
  const o = config.openai
  const options: OpenAiClientOptions = {
    apiKey,
    baseUrl: o.baseUrl,
    model,
    timeoutMs: o.timeoutMs,
    maxTokens: o.maxTokens,
    tokenParam: o.tokenParam,
    reasoningEffort: o.reasoningEffort,
    responseFormat: o.responseFormat,
    onCall,
    onNotice: noticeLogger(log),
  }
  let loaded: OpenAiClient | undefined
  const client = import('./clients/openai.js').then((m) => {
    loaded = m.createOpenAiClient(options)
    // Not awaited: the check may take the whole deadline, and the start must not wait for it.
    if (o.startupCheck) startupCheck(loaded, log, model, metering).catch(() => undefined)
    return loaded
  })
  // A failed import surfaces on each call (the fallback brain answers), not as an unhandled rejection.
  const ready = client.catch(() => undefined)
  return {
    ready,
    llm: {
      async complete<T> (req: LlmRequest<T>) {
        return await (await client).complete(req)
      },
    },
    health: () => loaded?.health() ?? { status: 'unknown', model },
  }
}
