import { z } from 'zod'

/** Text per language tag ("pt-BR", "en", "es"); the playbook's language is the fallback. */
export const localized = z.record(z.string().min(2), z.string().min(1))
export type Localized = z.infer<typeof localized>

/** Phrases (or patterns) per language tag: what a lead may write, in each language. */
export const localizedList = z.record(z.string().min(2), z.array(z.string().min(1)).max(200))
export type LocalizedList = z.infer<typeof localizedList>

// Keys whose value is a lead-facing text wherever they appear in a playbook, and keys whose value
// is a list of phrases. A plain string (or list) there means "in the playbook's language".
const TEXT_KEYS = new Set(['label', 'question', 'answer', 'title', 'text', 'holding_message', 'rephrase', 'reply'])
const LIST_KEYS = new Set(['synonyms', 'phrases', 'patterns'])

/**
 * A playbook as people write it, with every plain-string text turned into `{ <language>: text }`.
 * Sales teams writing one language keep writing strings; the code sees one shape everywhere.
 */
export function withLocalizedTexts (raw: unknown): unknown {
  if (!isRecord(raw)) return raw
  const language = typeof raw['language'] === 'string' ? raw['language'] : 'pt-BR'
  return walk(raw, language, undefined)
}

function walk (value: unknown, language: string, key: string | undefined): unknown {
  if (key !== undefined && TEXT_KEYS.has(key) && typeof value === 'string') return { [language]: value }
  if (key !== undefined && LIST_KEYS.has(key) && Array.isArray(value)) return { [language]: value }
  if (key === 'texts' && isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === 'string' ? { [language]: v } : v]))
  }
  if (key === 'facts' && Array.isArray(value)) return value.map((v) => typeof v === 'string' ? { [language]: v } : v)
  if (Array.isArray(value)) return value.map((v) => walk(v, language, undefined))
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, language, k)]))
  return value
}

function isRecord (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** "es-AR" → "es": languages compare by their base. */
export const baseOf = (tag: string): string => (tag.split('-')[0] ?? tag).toLowerCase()

/** The entry of `text` for this language: exact tag, then its base, then any tag of the same base. */
export function entryFor<T> (text: Readonly<Record<string, T>>, language: string): T | undefined {
  const base = baseOf(language)
  return text[language] ?? text[base] ?? Object.entries(text).find(([k]) => baseOf(k) === base)?.[1]
}
