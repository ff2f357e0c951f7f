import { z } from 'zod'
import { LlmError, type LlmRequest, type LlmUsage } from './llm.js'

// Reading one chat completion: what it was billed (always, whatever the answer), then the answer,
// judged by the caller's schema. Nothing here puts the prompt or the answer's text into an error.

const completionSchema = z.looseObject({
  choices: z.array(z.looseObject({
    finish_reason: z.string().nullish(),
    message: z.looseObject({
      content: z.string().nullish(),
      refusal: z.string().nullish(),
    }),
  })),
  usage: z.looseObject({
    prompt_tokens: z.number().nonnegative().nullish(),
    completion_tokens: z.number().nonnegative().nullish(),
    prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nonnegative().nullish() }).nullish(),
    completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nonnegative().nullish() }).nullish(),
  }).nullish(),
})
type Completion = z.infer<typeof completionSchema>

/** About four characters a token: how OpenAI's own guidance estimates, close enough for a budget. */
export const estimateTokens = (text: string): number => Math.ceil(text.length / 4)

/** The usage a completion reports, or one estimated from the prompt and answer lengths when it reports none. */
export function usageOf (raw: unknown, model: string, promptChars: number): LlmUsage {
  const parsed = completionSchema.safeParse(raw)
  const usage = parsed.success ? parsed.data.usage : undefined
  if (usage?.prompt_tokens == null || usage.completion_tokens == null) {
    const answer = parsed.success ? parsed.data.choices[0]?.message : undefined
    const answerChars = (answer?.content ?? '').length + (answer?.refusal ?? '').length
    return { promptTokens: Math.ceil(promptChars / 4), completionTokens: Math.ceil(answerChars / 4), cachedPromptTokens: 0, reasoningTokens: 0, model, estimated: true }
  }
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    model,
    estimated: false,
  }
}

/**
 * The JSON in an answer: as it is, or inside a Markdown code fence, or between the first `{` and the
 * last `}` (providers that ignore the response format wrap it in prose). Undefined when there is none.
 */
export function jsonIn (content: string): unknown {
  const candidates = [content.trim()]
  const fenced = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(content)
  if (fenced?.[1] !== undefined) candidates.push(fenced[1].trim())
  const start = content.indexOf('{')
  const end = content.lastIndexOf('}')
  if (start >= 0 && end > start) candidates.push(content.slice(start, end + 1))
  for (const candidate of candidates) {
    try {
      return JSON.parse(candidate)
    } catch {
      // The next reading may hold it.
    }
  }
  return undefined
}

/** The answer's value, or an LlmError that carries the billed usage and why the answer is unusable. */
export function readAnswer<T> (raw: unknown, req: LlmRequest<T>, usage: LlmUsage, requestId: string | undefined): T {
  const failed = (kind: 'invalid_output' | 'refusal', code: string, message: string): LlmError =>
    new LlmError(kind, message, { status: 200, code, requestId, usage })
  const parsed = completionSchema.safeParse(raw)
  if (!parsed.success) throw failed('invalid_output', 'unexpected_shape', 'openai completion has an unexpected shape')
  const choice: Completion['choices'][number] | undefined = parsed.data.choices[0]
  if (choice === undefined) throw failed('invalid_output', 'no_choices', 'openai completion has no choices')
  if ((choice.message.refusal ?? '') !== '') throw failed('refusal', 'refusal', 'openai model refused to answer')
  if (choice.finish_reason === 'content_filter') throw failed('refusal', 'content_filter', 'openai content filter stopped the answer')
  const content = choice.message.content ?? ''
  const json = jsonIn(content)
  if (json === undefined) {
    if (choice.finish_reason === 'length') {
      const thinking = usage.reasoningTokens > 0 ? ` after ${usage.reasoningTokens} reasoning tokens` : ''
      throw failed('invalid_output', 'length', `openai answer cut at the token limit${thinking} (raise OPENAI_MAX_TOKENS or lower OPENAI_REASONING_EFFORT)`)
    }
    throw failed('invalid_output', 'not_json', 'openai answer is not JSON')
  }
  const value = req.schema.safeParse(req.prepare !== undefined ? req.prepare(json) : json)
  if (!value.success) {
    const where = value.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'} ${i.code}`).join(', ')
    throw failed('invalid_output', 'schema', `openai answer does not match ${req.schemaName} (${where})`)
  }
  return value.data
}
