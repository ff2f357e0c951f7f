import { businessHoursOf, type Playbook } from '../playbook.js'
import { handoffNote } from '../handoff-note.js'
import { qualificationAttributes } from '../lead-fields.js'
import { conversationTag } from '../ref.js'
import { decide } from '../state-machine.js'
import type { Action, ConversationState, HandoffReason, Transition, Workflow } from '../types.js'
import { erasurePayload, workflowPayload } from '../workflow-payloads.js'
import { attempt, logIds, track, type WorkerContext } from './context.js'
import { sendReply, type RunContext } from './reply.js'
import { contactPatch, settlesWithoutReply } from './turn-state.js'

// What the state machine decided, done: the reply, Chatwoot's attributes, labels and contact, the
// handoff, and n8n's workflows.

/** Runs the state machine's actions in order: the reply first, so nothing else can delay it. */
export async function runActions (ctx: WorkerContext, t: Transition, key: string, playbook: Playbook, run: RunContext): Promise<ConversationState> {
  let state = t.next
  const workflowsToFire: Array<{ workflow: Workflow, reason: string }> = []
  for (const [index, action] of t.actions.entries()) {
    if (action.type === 'reply') {
      // Only a turn's first action is finished by a run that takes over (resume): only then is progress kept.
      const sent = await sendReply(ctx, state, action, key, playbook, index === 0 ? { ...run, actions: t.actions } : { fence: undefined })
      state = sent.state
      if (!sent.delivered && !settlesWithoutReply(t)) {
        // The lead would be left without an answer (or with part of one): a person takes over.
        const failed = decide(state, { type: 'delivery_failed', at: ctx.now() }, playbook)
        if (failed.next.stage !== state.stage) ctx.observe.transition(state.stage, failed.next.stage)
        return runActions(ctx, failed, key, playbook, { fence: run.fence })
      }
      // Otherwise the turn's own handoff, opt-out or disqualification still runs without the text.
    } else if (action.type === 'trigger_workflow') {
      if (action.workflow === 'lead_qualified') ctx.observe.qualified()
      // Fired once the turn's other actions ran, with the state they left.
      workflowsToFire.push({ workflow: action.workflow, reason: action.reason })
    } else {
      state = await runChatwootAction(ctx, state, action, playbook)
    }
  }
  for (const w of workflowsToFire) fireWorkflow(ctx, state, w.workflow, w.reason, key, playbook)
  return state
}

type ChatwootAction = Exclude<Action, { type: 'reply' | 'trigger_workflow' }>

/** An action on Chatwoot's side of the conversation; only a handoff changes the state. */
async function runChatwootAction (ctx: WorkerContext, state: ConversationState, action: ChatwootAction, playbook: Playbook): Promise<ConversationState> {
  const { chatwoot } = ctx
  switch (action.type) {
    case 'record_qualification':
      await attempt(ctx, 'custom_attributes', state.ref, () => chatwoot.mergeCustomAttributes(state.ref, qualificationAttributes(state, playbook)))
      return state
    case 'add_labels':
      await attempt(ctx, 'labels', state.ref, () => chatwoot.addLabels(state.ref, [...action.labels]))
      return state
    case 'update_contact': {
      const contactId = state.contactId
      const patch = contactPatch(state)
      if (contactId !== undefined && Object.keys(patch).length > 0) {
        await attempt(ctx, 'update_contact', state.ref, () => chatwoot.updateContact(state.ref.accountId, contactId, patch))
      }
      return state
    }
    case 'handoff': {
      const opened = await handOff(ctx, state, action.reason, playbook)
      return { ...state, handoffPending: !opened }
    }
  }
}

/**
 * Hands the conversation to people: a private note saying why, then Chatwoot's status to open (a
 * bot's handoff). True when the status changed; the note alone does not take it from the bot.
 */
export async function handOff (ctx: WorkerContext, state: ConversationState, reason: HandoffReason, playbook: Playbook): Promise<boolean> {
  const { chatwoot } = ctx
  const noteOk = await attempt(ctx, 'handoff_note', state.ref, () => chatwoot.sendMessage(state.ref, {
    content: handoffNote(state, reason, playbook),
    private: true,
    echoId: `sdr-note:${conversationTag(state.ref)}:${state.updatedAt}`,
  }))
  const statusOk = await attempt(ctx, 'toggle_status', state.ref, () => chatwoot.toggleStatus(state.ref, 'open'))
  ctx.observe.handoff(reason, statusOk)
  if (!statusOk) ctx.log.error({ ...logIds(state.ref), reason, noteOk }, 'Handoff failed: the conversation may stay with the bot')
  return statusOk
}

/** Fires a workflow with the conversation's payload; its idempotency key is the conversation's, the workflow's and `key`. */
export function fireWorkflow (ctx: WorkerContext, state: ConversationState, workflow: Workflow, reason: string, key: string, playbook: Playbook, extra: Record<string, unknown> = {}): void {
  const at = ctx.now()
  const payload = workflow === 'data_erased'
    ? erasurePayload(state.ref, state.contactId, reason === 'admin_request' ? 'admin' : 'lead', at)
    : { ...workflowPayload(state, workflow, reason, playbook, ctx.chatwootBaseUrl, at), ...hoursFields(workflow, playbook, at), ...extra }
  triggerWorkflow(ctx, workflow, payload, `${conversationTag(state.ref)}:${workflow}:${key}`, logIds(state.ref))
}

/** In the background (drain waits for it), counted, and logged with ids only when it fails. */
export function triggerWorkflow (ctx: WorkerContext, workflow: Workflow, payload: Record<string, unknown>, key: string, ids: Record<string, number>): void {
  track(ctx, (async () => {
    try {
      const result = await ctx.workflows.trigger(workflow, payload, key)
      ctx.observe.workflow(workflow, result === 'not_configured' || result === 'queued' ? result : 'sent')
    } catch (err) {
      ctx.observe.workflow(workflow, 'failed')
      ctx.log.warn({ ...ids, err, workflow }, 'Workflow trigger failed')
    }
  })())
}

/** Handoff workflows say whether people are in now, and when they will be (business_hours). */
function hoursFields (workflow: Workflow, playbook: Playbook, at: number): Record<string, unknown> {
  if (workflow !== 'handoff' && workflow !== 'handoff_unanswered') return {}
  const hours = businessHoursOf(playbook)
  const opens = hours?.nextOpening(at)
  return { out_of_hours: hours !== undefined && opens !== at, next_open_at: opens === undefined ? null : new Date(opens).toISOString() }
}
