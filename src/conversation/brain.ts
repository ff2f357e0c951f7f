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
  readonly promptTokens: number
  readonly completionTokens: number
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

/**
 * OpenAI first, the scripted brain when it is absent, fails, times out or answers something that
 * does not validate: the lead always gets an answer.
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
          observe({ adapter: primary.name, outcome, latencyMs: performance.now() - started, usage: undefined, error })
        }
      }
      const result = await fallback.analyze(input)
      observe({ adapter: fallback.name, outcome: primary === undefined ? 'ok' : 'fallback', latencyMs: result.latencyMs, usage: undefined })
      return result
    },
  }
}
