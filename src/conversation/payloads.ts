import { z } from 'zod'

// Chatwoot's webhook bodies (docs/chatwoot.md#payload-fields-we-read). Only what we read is declared; unknown keys are
// accepted and dropped (zod's default "strip"), so a new Chatwoot field never breaks the webhook,
// and parsing does not copy the dozens of fields we never read.

const id = z.number().int().nonnegative()

export const conversationStatusSchema = z.enum(['open', 'pending', 'resolved', 'snoozed'])
export type ChatwootConversationStatus = z.infer<typeof conversationStatusSchema>

const contactSchema = z.object({
  id: id.optional(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  phone_number: z.string().nullish(),
})

// Every declared field costs parse time on each delivery (a record or array is walked entry by
// entry), so fields nothing reads (labels, custom_attributes, ids we never use) are left out.
export const conversationDataSchema = z.object({
  id,
  inbox_id: id.optional(),
  status: conversationStatusSchema,
  updated_at: z.union([z.number(), z.string()]).optional(),
  can_reply: z.boolean().optional(),
  channel: z.string().optional(),
  meta: z.object({
    sender: contactSchema.nullish(),
  }).optional(),
})

// Attachment#push_event_data returns nothing for an attachment without a file_type, so the array
// can hold a null: it is dropped, never a 400 (a refused delivery opens the conversation).
const attachmentSchema = z.object({
  file_type: z.string().nullish(),
  transcribed_text: z.string().nullish(),
}).nullable()

export const messageEventSchema = z.object({
  event: z.enum(['message_created', 'message_updated']),
  id,
  account: z.object({ id }),
  inbox: z.object({ id }).optional(),
  conversation: conversationDataSchema,
  message_type: z.enum(['incoming', 'outgoing', 'template', 'activity']),
  private: z.boolean().default(false),
  content: z.string().nullish(),
  content_attributes: z.record(z.string(), z.unknown()).nullish(),
  sender: z.object({ type: z.string().nullish() }).nullish(),
  attachments: z.array(attachmentSchema).optional(),
  event_id: z.string().optional(),
})
export type MessageEvent = z.infer<typeof messageEventSchema>

export const conversationEventSchema = z.object({
  id,
  status: conversationStatusSchema,
  // Both name the change in the dedupe key (inbound.ts).
  updated_at: z.union([z.number(), z.string()]).optional(),
  timestamp: z.number().optional(),
  event: z.enum(['conversation_opened', 'conversation_resolved', 'conversation_status_changed', 'conversation_updated']),
  account: z.object({ id }),
  changed_attributes: z.array(z.record(z.string(), z.unknown())).nullish(),
  event_id: z.string().optional(),
})
export type ConversationEvent = z.infer<typeof conversationEventSchema>

export const KNOWN_EVENTS = [
  'message_created',
  'message_updated',
  'conversation_opened',
  'conversation_resolved',
  'conversation_status_changed',
  'conversation_updated',
  'webwidget_triggered',
] as const
export type KnownEvent = typeof KNOWN_EVENTS[number]

export const envelopeSchema = z.object({
  event: z.string().min(1).max(100),
})

export function isKnownEvent (event: string): event is KnownEvent {
  return (KNOWN_EVENTS as readonly string[]).includes(event)
}
