import { z } from 'zod'
import { LlmError, type LlmRequest, type LlmUsage } from './llm.js'

// Reading what a provider answers: a chat completion's billing (always, whatever the answer), then
// its answer, judged by the caller's schema; or an error body, in whatever shape the provider sends.
// Nothing here puts the prompt or the answer's text into an error.

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
export function jsonIn (answer: string): unknown {
  // Open reasoning models served as text (deepseek-r1, qwen3) think aloud first, braces included.
  const content = answer.replace(/<think>[\s\S]*?<\/think>/gi, '')
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

// ---- Error bodies ----

/** An error as OpenAI shapes it: what the SDK's APIError reads its code, param and type from. */
export interface ProviderError { message?: string, type?: string, param?: string, code?: string }

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
/** A provider's field as text: old vLLM sends its code as a number (400), others null. */
const text = (v: unknown): string | undefined => typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined

function fieldsOf (r: Record<string, unknown>): ProviderError {
  const fields = { message: text(r['message']), type: text(r['type']), param: text(r['param']), code: text(r['code']) }
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
}

/**
 * FastAPI's 422 (`{"detail": [{"type", "loc", "msg", "input"}]}`): where and why, never `input`,
 * which holds what was sent (the lead's words, when the messages are what it refused).
 */
function fromDetail (detail: unknown[]): ProviderError {
  const items = detail.filter(isRecord).slice(0, 3).map((d) => {
    const loc = Array.isArray(d['loc']) ? d['loc'].map(String).filter((p, i) => !(i === 0 && p === 'body')).join('.') : undefined
    return { where: loc, why: text(d['msg']) ?? 'invalid', type: text(d['type']) }
  })
  const [first] = items
  return {
    message: items.map((i) => i.where !== undefined ? `${i.where}: ${i.why}` : i.why).join('; '),
    ...(first?.type !== undefined ? { code: first.type } : {}),
    ...(first?.where !== undefined && first.where !== '' ? { param: first.where } : {}),
  }
}

/**
 * A non-2xx body as OpenAI's `{ error: {...} }`, so the SDK keeps its message, code and param:
 * OpenAI's own (codes made text), `{ error: "text" }`, old vLLM's `{ object: "error", message, code }`,
 * FastAPI's `{ detail }`. Undefined when the body is not JSON or says nothing we can read.
 */
export function errorBodyOf (body: string): { error: ProviderError } | undefined {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return undefined
  }
  if (!isRecord(json)) return undefined
  const error = json['error']
  if (isRecord(error)) return { error: fieldsOf(error) }
  if (typeof error === 'string') return { error: { ...fieldsOf(json), message: error } }
  const detail = json['detail']
  if (Array.isArray(detail)) return { error: fromDetail(detail) }
  if (typeof detail === 'string') return { error: { message: detail } }
  return typeof json['message'] === 'string' ? { error: fieldsOf(json) } : undefined
}

/** `'input': '…'`, `"input": "…"`, `input_value='…'`: where validators echo what was sent. */
const ECHOED_INPUT = /(\binput(?:_value)?['"]?\s*[:=]\s*)('(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?|\{[^}]*\}?|\[[^\]]*\]?|[^,;\s)}\]]+)/gi
const MAX_PROVIDER_MESSAGE = 300

/**
 * The provider's words, safe to log: an echoed input redacted (it may be the lead's text), bounded,
 * on one line. They name the model or the parameter, never the prompt.
 */
export function providerMessage (message: string): string {
  const redacted = message.replace(ECHOED_INPUT, '$1[redacted]')
  // Control characters (a log line's ESC or newline) become spaces.
  const line = [...redacted].map((c) => c < ' ' || c === '\u007f' ? ' ' : c).join('')
  return line.length > MAX_PROVIDER_MESSAGE ? `${line.slice(0, MAX_PROVIDER_MESSAGE)}…` : line
}
