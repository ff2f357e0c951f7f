import { z } from 'zod'

// A long answer reads like a wall of text in a chat: it goes out as a few short messages, cut where
// a person would pause (a paragraph, a sentence), with a pause before each next one that grows with
// its length, as if someone were typing it. Everything here is pure; the worker does the sending.

/**
 * Chatwoot's channel types (the `channel` of a conversation) by the short name a playbook uses.
 * A channel not listed here, or not known, gets `message_chars.default`.
 */
export const CHANNEL_TYPES = {
  whatsapp: 'Channel::Whatsapp',
  web_widget: 'Channel::WebWidget',
  email: 'Channel::Email',
  api: 'Channel::Api',
  sms: 'Channel::Sms',
  twilio_sms: 'Channel::TwilioSms',
  telegram: 'Channel::Telegram',
  facebook: 'Channel::FacebookPage',
  instagram: 'Channel::Instagram',
  line: 'Channel::Line',
} as const
export type ChannelKey = keyof typeof CHANNEL_TYPES

const chars = z.number().int().min(80).max(10_000)

export const DEFAULT_MESSAGE_CHARS = { default: 400, whatsapp: 350, web_widget: 600, email: 4000 } as const

const messageCharsSchema = z.object({
  /** Any channel without its own entry. */
  default: chars.default(DEFAULT_MESSAGE_CHARS.default),
  whatsapp: chars.default(DEFAULT_MESSAGE_CHARS.whatsapp),
  web_widget: chars.default(DEFAULT_MESSAGE_CHARS.web_widget),
  // An e-mail is read as one message: in practice never split.
  email: chars.default(DEFAULT_MESSAGE_CHARS.email),
  api: chars.optional(),
  sms: chars.optional(),
  twilio_sms: chars.optional(),
  telegram: chars.optional(),
  facebook: chars.optional(),
  instagram: chars.optional(),
  line: chars.optional(),
}).strict()

export const pacingSchema = z.object({
  /** A reply longer than this (characters) goes out as several messages; per channel (CHANNEL_TYPES). */
  message_chars: messageCharsSchema.default(DEFAULT_MESSAGE_CHARS),
  /** At most this many messages per reply (1: never split); past it the last one holds the rest. */
  max_parts: z.number().int().min(1).max(4).default(4),
  /**
   * The pause before each next message: its length times ms_per_char, kept within these bounds.
   * 8 ms a character spreads the pause over the sizes parts have (100 characters 0.8 s, 350
   * characters 2.8 s); at 25 every part over 120 characters would wait the maximum.
   */
  min_pause_ms: z.number().int().min(0).max(10_000).default(800),
  max_pause_ms: z.number().int().min(0).max(10_000).default(3000),
  ms_per_char: z.number().min(0).max(200).default(8),
}).strict().refine((p) => p.min_pause_ms <= p.max_pause_ms, { message: 'min_pause_ms must not exceed max_pause_ms', path: ['min_pause_ms'] })
export type Pacing = z.infer<typeof pacingSchema>

/** What a playbook without a `pacing` block gets. */
export const DEFAULT_PACING: Pacing = pacingSchema.parse({})

/** The comfortable size of one message on a channel (Chatwoot's `Channel::…` name). */
export function messageChars (pacing: Pacing, channel: string | undefined): number {
  const key = (Object.keys(CHANNEL_TYPES) as ChannelKey[]).find((k) => CHANNEL_TYPES[k] === channel)
  return (key === undefined ? undefined : pacing.message_chars[key]) ?? pacing.message_chars.default
}

/** Bot typing never reaches WhatsApp (Chatwoot sends it to the dashboard and the web widget only). */
export function showsTyping (channel: string | undefined): boolean {
  return channel !== CHANNEL_TYPES.whatsapp
}

/** How long to wait before posting `part` (not the first): as long as typing it would take, within bounds. */
export function pauseBeforeMs (part: string, pacing: Pacing): number {
  return Math.round(Math.min(pacing.max_pause_ms, Math.max(pacing.min_pause_ms, part.length * pacing.ms_per_char)))
}

/**
 * `text` as at most `maxParts` chat messages of about `maxChars` each, cut at paragraphs first,
 * then at sentence ends and line breaks, then between words. A word is never cut (a URL, an e-mail,
 * "1.000,00", an emoji: one longer than `maxChars` stays whole), nor is an amount from its
 * currency ("R$ 1.000,00"). When more than `maxParts` would result, the parts grow past
 * `maxChars`, as little as needed, until `maxParts` hold it all: nothing is ever dropped. Parts
 * are trimmed, never empty; a text that fits comes back as it is (trimmed).
 */
export function splitForChat (text: string, maxChars: number, maxParts: number): string[] {
  const whole = text.trim()
  if (whole === '') return []
  if (whole.length <= maxChars || maxParts <= 1) return [whole]
  const all = { start: 0, end: whole.length }
  let spans = pack(whole, all, maxChars, 0)
  if (spans.length > maxParts) {
    // The smallest size that needs no more than maxParts: a few even messages rather than short
    // ones and a long tail.
    let low = maxChars
    let high = whole.length
    while (low + 1 < high) {
      const mid = Math.floor((low + high) / 2)
      if (pack(whole, all, mid, 0).length <= maxParts) high = mid
      else low = mid
    }
    spans = pack(whole, all, high, 0)
  }
  const last = spans[maxParts - 1]
  // Packing is not strictly monotonic in the size: whatever is left past maxParts joins the last.
  const kept = spans.length <= maxParts || last === undefined ? spans : [...spans.slice(0, maxParts - 1), { start: last.start, end: whole.length }]
  return kept.map((s) => whole.slice(s.start, s.end).trim()).filter((s) => s !== '')
}

interface Span { readonly start: number, readonly end: number }

/** Where a span may be cut (offsets in the text, each where one unit ends): coarsest first. */
type Cutter = (text: string, span: Span) => number[]

const LEVELS: readonly Cutter[] = [paragraphCuts, sentenceCuts, wordCuts]

/** Greedy: as many whole units as fit in a part; a unit too big alone is cut at the next level. */
function pack (text: string, span: Span, max: number, level: number): Span[] {
  const cutter = LEVELS[level]
  if (span.end - span.start <= max || cutter === undefined) return [span]
  const units = unitsOf(text, span, cutter(text, span))
  if (units.length <= 1) return pack(text, span, max, level + 1)
  const parts: Span[] = []
  let current: Span | undefined
  for (const unit of units) {
    if (current !== undefined && unit.end - current.start <= max) {
      current = { start: current.start, end: unit.end }
      continue
    }
    // A new part starts at a unit boundary of this level rather than filling the last one with a
    // piece of the next unit: a message ends where a paragraph (or a sentence) ends.
    if (current !== undefined) parts.push(current)
    if (unit.end - unit.start <= max) {
      current = unit
      continue
    }
    const inner = pack(text, unit, max, level + 1)
    parts.push(...inner.slice(0, -1))
    current = inner.at(-1)
  }
  if (current !== undefined) parts.push(current)
  return parts
}

/** The units between the cuts, without their surrounding whitespace; empty ones dropped. */
function unitsOf (text: string, span: Span, cuts: readonly number[]): Span[] {
  const bounds = [span.start, ...cuts.filter((c) => c > span.start && c < span.end), span.end]
  const units: Span[] = []
  for (let i = 0; i + 1 < bounds.length; i++) {
    let start = bounds[i] as number
    let end = bounds[i + 1] as number
    while (start < end && /\s/.test(text[start] as string)) start++
    while (end > start && /\s/.test(text[end - 1] as string)) end--
    if (end > start) units.push({ start, end })
  }
  return units
}

function matchesIn (re: RegExp, text: string, span: Span): RegExpExecArray[] {
  const found: RegExpExecArray[] = []
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g')
  global.lastIndex = span.start
  for (let m = global.exec(text); m !== null && m.index < span.end; m = global.exec(text)) {
    found.push(m)
    if (m[0] === '') global.lastIndex++
  }
  return found
}

/** A blank line. */
function paragraphCuts (text: string, span: Span): number[] {
  return matchesIn(/\n[ \t]*\n/u, text, span).map((m) => m.index)
}

const SENTENCE_END = /[.!?…]+["'”’»)\]]*(?=\s)/u
const EMOJI_END = /\p{Extended_Pictographic}[\p{Extended_Pictographic}\p{Emoji_Modifier}\u{FE0F}\u{200D}]*(?=\s+(?:\p{Lu}|\n|$))/u
/** Words after which a full stop does not end a sentence ("Sr. Silva", "p. ex."). */
const ABBREVIATIONS = new Set(['sr', 'sra', 'srta', 'dr', 'dra', 'prof', 'profa', 'av', 'mr', 'mrs', 'ms', 'st', 'ex', 'p.ex', 'e.g', 'i.e', 'nº', 'tel', 'obs', 'aprox', 'vs'])

/** A line break, a sentence's end (., !, ?, …, "?!", with closing quotes), an emoji before a new sentence. */
function sentenceCuts (text: string, span: Span): number[] {
  const lines = matchesIn(/\n/u, text, span).map((m) => m.index)
  const sentences = matchesIn(SENTENCE_END, text, span)
    .filter((m) => !m[0].startsWith('.') || m[0].length > 1 || !isAbbreviation(text, m.index))
    .map((m) => m.index + m[0].length)
  const emoji = matchesIn(EMOJI_END, text, span).map((m) => m.index + m[0].length)
  return [...lines, ...sentences, ...emoji].sort((a, b) => a - b)
}

/** The word before a lone full stop at `dot` is an abbreviation, an initial, or a list number ("1. …"). */
function isAbbreviation (text: string, dot: number): boolean {
  const word = wordBefore(text, dot)
  if (ABBREVIATIONS.has(word.toLowerCase())) return true
  if (/^\p{Lu}$/u.test(word)) return true
  // A list item ("1. Starter"): the number opens its line.
  return /^\d{1,3}$/u.test(word) && /(?:^|\n)[ \t]*$/u.test(text.slice(Math.max(0, dot - word.length - 40), dot - word.length))
}

const CURRENCY = /^(?:R\$|US\$|\$|€|£|¥|USD|BRL|EUR)$/u

/** Between words, except between a currency and its amount. */
function wordCuts (text: string, span: Span): number[] {
  return matchesIn(/\s+/u, text, span)
    .filter((m) => !(CURRENCY.test(wordBefore(text, m.index)) && /\d/u.test(text[m.index + m[0].length] ?? '')))
    .map((m) => m.index)
}

function wordBefore (text: string, end: number): string {
  let start = end
  while (start > 0 && !/\s/u.test(text[start - 1] as string)) start--
  return text.slice(start, end)
}
