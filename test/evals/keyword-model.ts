import type { ChatRequestBody } from '../helpers/fake-openai.js'

// A "model" for the OpenAI stand-in in the eval tests: a fixed reading per keyword of the lead's
// newest words, enough to tell that a run went through the model.

const NO_FIELDS = { name: null, company: null, role: null, need: null, email: null, phone: null, budget: null, timeline: null }

/** The lead's newest words: the last user message the brain sends. */
function leadText (body: ChatRequestBody): string {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')
  return typeof last?.content === 'string' ? last.content : ''
}

export function keywordModel (body: ChatRequestBody): unknown {
  const text = leadText(body).toLowerCase()
  const intent = /humano/.test(text) ? 'wants_human' : /\b(pare|sair)\b|não quero nada/.test(text) ? 'opt_out' : 'other'
  return { reply: '', fields: NO_FIELDS, intent, language: 'pt-BR', confidence: 0.9 }
}
