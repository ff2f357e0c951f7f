// The lead's fields as people and CRMs read them: labels and choice titles from the playbook, in its
// language, beside the machine values.
import { localize, type Playbook } from './playbook.js'
import { leadScore } from './qualification.js'
import type { ConversationState } from './types.js'

/** A field's value as the sales team reads it: a choice by its title, anything else as the lead gave it. */
export function fieldDisplay (playbook: Playbook, key: string, value: string): string {
  const choice = playbook.qualification.fields.find((f) => f.key === key)?.choices?.find((c) => c.value === value)
  return choice === undefined ? value : localize(choice.title, playbook.language, playbook.language)
}

/** A field's label in the playbook's language; its key when the playbook no longer has it. */
export function fieldLabel (playbook: Playbook, key: string): string {
  const field = playbook.qualification.fields.find((f) => f.key === key)
  return field === undefined ? key : localize(field.label, playbook.language, playbook.language)
}

/** The machine values, plus `<key>_label` (the choice's title) for each choice field: for CRMs and people alike. */
export function labelledFields (playbook: Playbook, fields: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...fields }
  for (const [k, v] of Object.entries(fields)) {
    const shown = fieldDisplay(playbook, k, v)
    if (shown !== v) out[`${k}_label`] = shown
  }
  return out
}

/** What the bot keeps in Chatwoot's conversation custom attributes (merged, never replacing others). */
export function qualificationAttributes (state: ConversationState, playbook: Playbook): Record<string, string | number> {
  const attrs: Record<string, string | number> = {
    sdr_stage: state.stage,
    sdr_score: leadScore(playbook, state.fields),
    sdr_playbook_version: playbook.version,
  }
  for (const [k, v] of Object.entries(labelledFields(playbook, state.fields))) attrs[`lead_${k}`] = v
  return attrs
}
