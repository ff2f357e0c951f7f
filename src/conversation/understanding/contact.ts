import { fold } from './text.js'

// E-mail and phone numbers from free text. A phone comes back as E.164 ("+5511987654321") or not at all.

const EMAIL = /[\p{L}\p{N}._%+'-]{1,64}@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,24}/u

/** The first e-mail address in the text, as written (trailing punctuation dropped). */
export function readEmail (text: string): string | undefined {
  return text.match(EMAIL)?.[0].replace(/^[.'-]+/, '')
}

/** Calling codes of the countries a default may name, and each one's national number lengths. */
const COUNTRIES: Record<string, { code: string, lengths: readonly number[] }> = {
  BR: { code: '55', lengths: [10, 11] },
  US: { code: '1', lengths: [10] },
  CA: { code: '1', lengths: [10] },
  PT: { code: '351', lengths: [9] },
  ES: { code: '34', lengths: [9] },
  MX: { code: '52', lengths: [10] },
  AR: { code: '54', lengths: [10, 11] },
  CO: { code: '57', lengths: [10] },
  CL: { code: '56', lengths: [9] },
  PE: { code: '51', lengths: [9] },
  UY: { code: '598', lengths: [8] },
  PY: { code: '595', lengths: [9] },
}

// A Brazilian area code (DDD) has two digits, neither a zero; a mobile has 9 digits starting with 9,
// a landline 8 starting with 2–5; an 8-digit 6–9 number is a mobile written without its leading 9.
const CPF_SHAPE = /^\s*\d{3}\.\d{3}\.\d{3}-?\d{2}\s*$/
const BR_NATIONAL = /^[1-9][1-9](?:9\d{8}|[2-9]\d{7})$/

/**
 * A phone number as E.164, or undefined when the value is not one: "(11) 98765-4321" → "+5511987654321".
 * A number with "+<country>" is kept in its country; one without is read in `defaultCountry`.
 */
export function normalizePhone (value: string, defaultCountry = 'BR'): string | undefined {
  const trimmed = withoutCarrierPlaceholder(value.trim())
  if (CPF_SHAPE.test(trimmed)) return undefined
  if (/\p{L}{2,}/u.test(trimmed)) return readPhone(trimmed, defaultCountry)
  const digits = trimmed.replace(/\D/g, '')
  if (/^\s*\+/.test(trimmed) || /^00[1-9]/.test(digits)) return international(digits.replace(/^00/, ''))
  const country = COUNTRIES[defaultCountry.toUpperCase()]
  return country === undefined || country.code === '55' ? brazilian(digits) : national(digits, country)
}

function international (digits: string): string | undefined {
  if (digits.startsWith('55')) return brazilian(digits)
  return digits.length >= 8 && digits.length <= 15 ? `+${digits}` : undefined
}

/** "11987654321", "5511987654321", "011987654321", "055 11 98765-4321" (a stray 0 before the country code). */
function brazilian (digits: string): string | undefined {
  let rest = digits.replace(/^0+/, '')
  if (rest.startsWith('55') && (rest.length === 12 || rest.length === 13)) rest = rest.slice(2)
  // "0 21 11 98765-4321": a long-distance call written with its carrier's two digits.
  else if (digits.startsWith('0') && (rest.length === 12 || rest.length === 13)) rest = rest.slice(2)
  return BR_NATIONAL.test(rest) ? `+55${rest}` : undefined
}

function national (digits: string, country: { code: string, lengths: readonly number[] }): string | undefined {
  let rest = digits
  if (rest.startsWith(country.code) && country.lengths.includes(rest.length - country.code.length)) rest = rest.slice(country.code.length)
  else if (rest.startsWith('0') && country.code !== '1') rest = rest.slice(1)
  return country.lengths.includes(rest.length) ? `+${country.code}${rest}` : undefined
}

// Runs of digits with the separators people type in phone numbers; "/" and ":" are left out so
// dates and times never form one.
const CANDIDATE = /(?<![\d\p{L}])\+?\(?\d[\d\s().-]{6,22}\d(?![\d\p{L}])/gu
const LABELS = /(?<![a-z])(?:cpf|cnpj|cep|rg|cnh|protocolo|pedido|order|nota|nf|boleto|cartao|card|conta|account|agencia|codigo|code|id|ref|dni|cuit|rut|nit|ticket|invoice|fatura|factura|r\$|us\$|\$|€|usd|brl|eur)\W{0,4}$/
const AFTER_MONEY = /^\s*(?:reais|real|mil|k\b|dolares|dollars|euros|pesos|%|usd|brl)/

/**
 * The first phone number in the text, as E.164: "(21) 3456-7890", "+55 11 9 8765-4321", "+1 415 555 0100".
 * Dates, CEPs, money and labelled documents ("CPF 123…") are not phones.
 */
/** "0XX71 98765-4321": the old long-distance form, "XX" standing for the carrier code. */
function withoutCarrierPlaceholder (text: string): string {
  return text.replace(/\b0xx(?=\s*\(?\d)/gi, '0')
}

export function readPhone (text: string, defaultCountry = 'BR'): string | undefined {
  const source = withoutCarrierPlaceholder(text).replace(new RegExp(EMAIL.source, 'gu'), ' ').replace(/\bhttps?:\/\/\S+/g, ' ')
  for (const match of source.matchAll(CANDIDATE)) {
    const before = fold(source.slice(Math.max(0, match.index - 16), match.index))
    const after = fold(source.slice(match.index + match[0].length, match.index + match[0].length + 8))
    if (LABELS.test(before) || AFTER_MONEY.test(after) || /[.,]\d$/.test(before)) continue
    const phone = phoneIn(match[0], defaultCountry)
    if (phone !== undefined) return phone
  }
  return undefined
}

/** The candidate itself, or (when it ran into a number before it: "20 lojas, 11 9…") its tail. */
function phoneIn (candidate: string, defaultCountry: string): string | undefined {
  const groups = candidate.split(/\s+/)
  for (let i = 0; i < groups.length; i++) {
    const phone = normalizePhone(groups.slice(i).join(' '), defaultCountry)
    if (phone !== undefined) return phone
  }
  return undefined
}
