import type { Playbook } from './playbook.js'
import type { ConversationState, TurnAnalysis } from './types.js'

export interface BrainInput {
  /** State before this turn; its history already holds the new lead messages at the end. */
  readonly state: ConversationState
  /** What the lead wrote this turn (several messages when a burst was batched). */
  readonly messages: readonly string[]
  readonly playbook: Playbook
  /** The lead's language, read from their words around the brain (guarded-brain.ts); the state's until then. */
  readonly language?: string
}

export interface BrainUsage {
  /** Every input token, the cached ones included. */
  readonly promptTokens: number
  /** Every output token, the reasoning ones included. */
  readonly completionTokens: number
  /** Input the provider served from its prompt cache, priced at `cached_input`. */
  readonly cachedPromptTokens?: number
  readonly reasoningTokens?: number
  /** The provider reported no usage: counted from the text's length. */
  readonly estimated?: boolean
  /** The model asked for (OPENAI_MODEL): picks its price in the playbook's `costs.models`. */
  readonly model?: string
}

export interface BrainResult {
  readonly analysis: TurnAnalysis
  readonly adapter: 'openai' | 'scripted'
  readonly usage: BrainUsage | undefined
  readonly latencyMs: number
}

/** Reads one lead turn. Implementations: OpenAI (structured output) and the scripted fallback. */
export interface Brain {
  readonly name: 'openai' | 'scripted'
  analyze (input: BrainInput): Promise<BrainResult>
}

export type BrainOutcome = 'ok' | 'timeout' | 'error' | 'invalid_output' | 'fallback'

export interface BrainObserver {
  (event: { adapter: 'openai' | 'scripted', outcome: BrainOutcome, latencyMs: number, usage: BrainUsage | undefined, error?: unknown }): void
}

/** What a failed call was billed anyway (a refusal, a cut or malformed answer), when its error says. */
function billedUsage (error: unknown): BrainUsage | undefined {
  const usage = (error as { usage?: unknown } | null)?.usage
  if (usage === null || typeof usage !== 'object') return undefined
  const u = usage as Partial<Record<keyof BrainUsage, unknown>>
  return typeof u.promptTokens === 'number' && typeof u.completionTokens === 'number' ? usage as BrainUsage : undefined
}

/**
 * OpenAI first, the scripted brain when it is absent, fails, times out or answers something that
 * does not validate: the lead always gets an answer. A failed call's billed tokens stay on the
 * result, so the conversation's cost and budget count them.
 */
export function createFallbackBrain (primary: Brain | undefined, fallback: Brain, observe: BrainObserver): Brain {
  return {
    name: primary?.name ?? fallback.name,
    async analyze (input) {
      if (primary !== undefined) {
        const started = performance.now()
        try {
          const result = await primary.analyze(input)
          observe({ adapter: primary.name, outcome: 'ok', latencyMs: result.latencyMs, usage: result.usage })
          return result
        } catch (error) {
          const kind = (error as { kind?: unknown }).kind
          const outcome: BrainOutcome = kind === 'timeout' ? 'timeout' : kind === 'invalid_output' || kind === 'refusal' ? 'invalid_output' : 'error'
          const usage = billedUsage(error)
          observe({ adapter: primary.name, outcome, latencyMs: performance.now() - started, usage, error })
          const result = await fallback.analyze(input)
          observe({ adapter: fallback.name, outcome: 'fallback', latencyMs: result.latencyMs, usage: undefined })
          return usage === undefined ? result : { ...result, usage }
        }
      }
      const result = await fallback.analyze(input)
      observe({ adapter: fallback.name, outcome: 'ok', latencyMs: result.latencyMs, usage: undefined })
      return result
    },
  }
}
