// Builds the webhooks Chatwoot would send for what a scenario's lead does, from the repository's
// real-shaped fixture: a message (text, media, an audio with its transcription) on a WhatsApp,
// web widget or API inbox, or a click on a quick-reply button (message_updated).
import type { FakeChatwoot, FakeRef, StoredMessage } from '../../test/helpers/fake-chatwoot.js'
import { messageFixture, type MessageFixture } from '../../test/helpers/fixtures.js'
import type { Channel, LeadMessage } from './scenario.js'

const CHANNEL_TYPES: Record<Channel, { type: string, inbox: string }> = {
  whatsapp: { type: 'Channel::Whatsapp', inbox: 'WhatsApp Vendas' },
  web_widget: { type: 'Channel::WebWidget', inbox: 'Site' },
  api: { type: 'Channel::Api', inbox: 'API' },
}

export interface LeadContext {
  readonly chatwoot: FakeChatwoot
  readonly ref: FakeRef
  readonly channel: Channel
  /** Deliver as if Chatwoot still showed the conversation pending (a delivery racing a handoff). */
  readonly asPending: boolean
  /**
   * The choice values a button text names in any language of the playbook ("Este mês", "This
   * month" → este_mes): a scenario clicks a button by one title whatever language it is shown in.
   */
  readonly choiceValues?: (text: string) => readonly string[]
}

/** The body to POST for one lead message. Stores the message in the Chatwoot stand-in first, as Chatwoot does. */
export function leadWebhook (ctx: LeadContext, message: LeadMessage): Record<string, unknown> {
  if (typeof message === 'object' && 'select' in message) return quickReplyAnswer(ctx, message.select)
  const m = base(ctx)
  const text = typeof message === 'string' ? message : message.text ?? null
  m.id = ctx.chatwoot.addIncoming(ctx.ref, text ?? '').id
  m.content = text
  if (typeof message === 'object') {
    m['attachments'] = [{
      id: m.id,
      message_id: m.id,
      file_type: message.media,
      data_url: `https://chatwoot.example.com/rails/active_storage/${m.id}`,
      ...(message.transcript !== undefined ? { transcribed_text: message.transcript } : {}),
    }]
  }
  return m
}

function base (ctx: LeadContext): MessageFixture {
  const m = messageFixture('message_created.incoming.whatsapp')
  const conv = ctx.chatwoot.conversation(ctx.ref)
  const channel = CHANNEL_TYPES[ctx.channel]
  m.account.id = ctx.ref.accountId
  m.conversation.id = ctx.ref.conversationId
  m.conversation.status = ctx.asPending ? 'pending' : conv.status
  m.conversation['channel'] = channel.type
  m.conversation['updated_at'] = Date.now() / 1000
  m['inbox'] = { id: conv.inboxId, name: channel.inbox }
  m.conversation['inbox_id'] = conv.inboxId
  // One lead per scenario: the stand-in's contact, so contact updates land on it.
  m.conversation.meta.sender = { ...m.conversation.meta.sender, id: conv.contactId, name: 'Lead', email: null, phone_number: null }
  // The fixture's copy of the last message would carry someone else's words.
  m.conversation['messages'] = []
  return m
}

/**
 * A click on one of the bot's quick-reply buttons: Chatwoot updates the bot's input_select message
 * with `submitted_values` and sends message_updated. `choice` is the button's title (in any of the
 * playbook's languages) or value.
 */
function quickReplyAnswer (ctx: LeadContext, choice: string): Record<string, unknown> {
  const question = [...ctx.chatwoot.messages(ctx.ref)].reverse().find((msg) => !msg.private && msg.contentType === 'input_select')
  if (question === undefined) throw new Error(`no quick-reply question to answer with "${choice}"`)
  const values = ctx.choiceValues?.(choice) ?? []
  const item = items(question).find((i) => i.title === choice || i.value === choice || values.includes(i.value))
  if (item === undefined) throw new Error(`the bot's last quick reply has no button "${choice}" (it has ${items(question).map((i) => i.title).join(', ')})`)
  const m = base(ctx)
  m.event = 'message_updated'
  m.id = question.id
  m.message_type = 'outgoing'
  m.content = question.content
  m.content_type = 'input_select'
  m.content_attributes = { items: items(question), submitted_values: [item] }
  m.sender = { type: 'agent_bot', id: 7, name: 'SDR Bot' }
  return m
}

function items (message: StoredMessage): Array<{ title: string, value: string }> {
  const list = message.contentAttributes['items']
  if (!Array.isArray(list)) return []
  return list.flatMap((i: unknown) => {
    const o = i as { title?: unknown, value?: unknown }
    return typeof o.title === 'string' && typeof o.value === 'string' ? [{ title: o.title, value: o.value }] : []
  })
}

/**
 * Every choice value whose title, in any language, or whose value is `text`. Titles are read as
 * the playbook writes them: a plain string or one per language.
 */
export function choiceValuesOf (playbook: { readonly qualification: { readonly fields: ReadonlyArray<{ readonly choices?: ReadonlyArray<{ readonly value: string, readonly title: unknown }> | undefined }> } }, text: string): string[] {
  const wanted = text.trim().toLowerCase()
  const out: string[] = []
  for (const field of playbook.qualification.fields) {
    for (const c of field.choices ?? []) {
      const titles = typeof c.title === 'string' ? [c.title] : Object.values(c.title as Record<string, unknown>).filter((t): t is string => typeof t === 'string')
      if (c.value.toLowerCase() === wanted || titles.some((t) => t.trim().toLowerCase() === wanted)) out.push(c.value)
    }
  }
  return out
}
