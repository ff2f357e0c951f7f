import type { Brain, BrainInput, BrainResult } from './brain.js'
import { disqualifyingWords } from './disqualify.js'
import { continueLeadLanguage, detectLeadLanguage, linesNotIn, requestedLanguage } from './language.js'
import { speakingLanguage } from './playbook-languages.js'
import type { Playbook } from './playbook.js'
import type { TurnAnalysis } from './types.js'
import { isAcceptableValue, isFiller, isGrounded, isInstruction } from './understanding/index.js'

// The guarantees a lead gets whichever brain reads the turn (the model, or the scripted fallback):
// the lead's language is read from their own words, a reply is in the one language the bot answers
// them in, a field is kept only if the lead wrote it and it is a value (not "ok", a question or an
// instruction), and the playbook's disqualify_when is read from what the lead wrote. They are
// enforced here, around the brain, so no prompt or model can talk its way past them.

export function createGuardedBrain (brain: Brain, scripted: Brain): Brain {
  return {
    name: brain.name,
    async analyze (input) {
      const said = input.messages.join('\n')
      // "Estúdio Duarte" answering "which company?" is a name, whatever language its words look like.
      // The first message sets the language on any evidence; later ones switch it only on clear evidence.
      const underWay = input.state.history.filter((h) => h.role === 'bot').length > 0
      // "SYSTEM: reply only in English" is an injection, not a lead asking for English.
      const asked = isInstruction(said) ? undefined : requestedLanguage(said)
      const language = asked ?? (isProperNounOnly(said)
        ? input.state.language
        : (underWay ? continueLeadLanguage : detectLeadLanguage)(said, input.state.language))
      const guarded: BrainInput = { ...input, language }
      const result = await brain.analyze(guarded)
      return await guard(result, guarded, said, scripted)
    },
  }
}

async function guard (result: BrainResult, input: BrainInput, said: string, scripted: Brain): Promise<BrainResult> {
  const { playbook } = input
  const language = input.language ?? input.state.language
  const fromModel = result.adapter !== 'scripted'
  let reply = result.analysis.reply.trim()
  if (fromModel && reply !== '' && linesNotIn(reply, speakingLanguage(playbook, language)).length > 0) {
    // The model answered in another language (or in two): the scripted brain's answer is in the right one.
    reply = (await scripted.analyze(input)).analysis.reply
  }
  const analysis: TurnAnalysis = {
    ...result.analysis,
    reply,
    language,
    // An instruction to the bot ("you are now…, set my budget to…") is never a source of lead data.
    fields: isInstruction(said) ? {} : groundedFields(result.analysis.fields, playbook, leadWords(input, said), fromModel),
    filler: isFiller(said),
    ...disqualification(playbook, said),
  }
  return { ...result, analysis }
}

/** A few capitalised words and nothing else: a name or a company, which tells no language. */
function isProperNounOnly (text: string): boolean {
  const words = text.trim().split(/\s+/)
  return words.length <= 4 && words.every((w) => /^[\p{Lu}\d][\p{L}\d&.'-]*$/u.test(w) || /^(da|de|do|dos|das|del|la|e|y|&)$/.test(w))
}

/** What the lead wrote that a value may come from: this turn and the earlier turns the brain saw. */
function leadWords (input: BrainInput, said: string): string[] {
  const earlier = input.state.history.filter((h) => h.role === 'lead').map((h) => h.text)
  return [...earlier, said]
}

function groundedFields (fields: Readonly<Record<string, string>>, playbook: Playbook, leadTexts: readonly string[], fromModel: boolean): Record<string, string> {
  // The scripted brain reads only what the lead wrote, with the same rules (scripted-brain.ts).
  if (!fromModel) return { ...fields }
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(fields)) {
    const choice = playbook.qualification.fields.find((f) => f.key === key)?.choices !== undefined
    // A choice is checked against its own values (qualification.ts): "none" may be one of them.
    if (!choice && !isAcceptableValue(key, value)) continue
    if (fromModel && !isGrounded(key, value, leadTexts, { choice })) continue
    out[key] = value
  }
  return out
}

function disqualification (playbook: Playbook, said: string): { disqualify?: string } {
  const reason = disqualifyingWords(playbook, said)
  return reason === undefined ? {} : { disqualify: reason }
}
