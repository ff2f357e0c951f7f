import {
  AREA_ROLES, AREAS, BUSINESS_WORDS, COMPANY_STOP, GENERIC_COMPANIES, NAME_STOP, OWNER_ROLES, PARTICLE_SURNAMES, PLACES, ROLE_ADJECTIVES, SURNAMES, TRAILING_ROLES,
} from './lexicon.js'
import { readAmountBound } from './amount.js'
import { anyOf, fold, foldAligned, titleCase } from './text.js'
import { deniesCompany, isAcceptableValue, isInstruction, isNameLike, NOT_NAME_WORDS } from './utterance.js'

// Name, role and company from how people introduce themselves, in pt-BR, en and es: "I'm John Smith,
// CTO at Acme Logistics", "aqui é o Pedro da Logix", "Soy Carlos, gerente de ventas en Distribuidora
// Norte", and e-mail signatures. Patterns run on folded text; values are cut from what the lead wrote.

export interface Introduction {
  name?: string
  role?: string
  company?: string
}

const L = '\\p{L}'
const NOT_LETTER_BEFORE = `(?<![${L}\\d])`
const NOT_LETTER_AFTER = `(?![${L}\\d])`

// ---- name ----------------------------------------------------------------------------------------

const STRONG_NAME_CUES = [
  'meu nome e', 'meu nome eh', 'me chamo', 'chamo-me', 'chamo me', 'pode me chamar de', 'podem me chamar de', 'my name is', "my name's", 'my names', 'call me', 'me llamo', 'mi nombre es',
  'me puedes llamar', 'nome:', 'name:', 'nombre:', 'nome e',
  // Nicknames: "me dicen Nacho", "me chamam de Bia", "they call me Bob", "I go by Sam".
  'me dicen', 'me llaman', 'me conocen como', 'me chamam de', 'me conhecem como', 'pueden llamarme', 'puedes llamarme', 'podes llamarme', 'pueden decirme',
  'puedes decirme', 'i go by', 'people call me', 'everyone calls me', 'everybody calls me', 'todo mundo me chama de', 'todos me chamam de', 'todos me dicen', 'me chama de',
]
const SOFT_NAME_CUES = [
  'sou', 'sou o', 'sou a', 'eu sou', 'eu sou o', 'eu sou a', 'aqui e', 'aqui e o', 'aqui e a', 'aqui eh o', 'aqui eh a', 'aqui quem fala e', 'aqui quem fala e o',
  'aqui quem fala e a', 'quem fala e', 'quem fala e o', 'quem fala e a', "i'm", 'im', 'i am', 'this is', 'soy', 'soy el', 'soy la', 'yo soy', 'habla', 'le habla', 'te habla',
  'les habla', 'aqui es', 'me presento soy', 'les saluda', 'te saluda',
  // A title before the name is not the name: "soy la licenciada Patricia Morales".
  'soy la licenciada', 'soy el licenciado', 'soy la doctora', 'soy el doctor', 'soy la ingeniera', 'soy el ingeniero', 'soy la dra', 'soy el dr',
  'sou a doutora', 'sou o doutor', 'sou a dra', 'sou o dr', 'sou a engenheira', 'sou o engenheiro', "i'm dr", 'im dr', 'this is dr', 'te escribe', 'le escribe', 'les escribe', 'quien escribe es', 'quien te escribe es',
  'quien habla es', 'quien te habla es', 'aqui quem escreve e', 'quem escreve e', 'aqui escreve', 'fala a', 'fala o', 'aqui fala a', 'aqui fala o', 'quem ta falando e',
]
const GREETING_LEAD = '(?:(?:oi+e*|ola+|hi|hey|hello|hola|bom dia|boa tarde|boa noite|buenos dias|buenas tardes|buenas noches|buenas|good morning|good afternoon|good evening|e ai|opa|tudo bem|prazer)[\\s,!.]*)*'
const CLAUSE_START = `(?:^|[\\n.!?;,:(]\\s*|\\s-\\s)\\s*${GREETING_LEAD}`
// "your name is", "seu nome é": not the lead's own name.
const NOT_OWN = '(?<!(?:your|seu|sua|tu|su|his|her|their|o)\\s)'
const STRONG_NAME = new RegExp(`${NOT_LETTER_BEFORE}${NOT_OWN}(?:${anyOf(STRONG_NAME_CUES)})\\s*`, 'gu')
const SOFT_NAME = new RegExp(`${CLAUSE_START}(?:${anyOf(SOFT_NAME_CUES)})\\s+`, 'gu')
const HERE_NAME = new RegExp(`${CLAUSE_START}(?=[${L}])`, 'gu')
// "it's Kevin from Hooli", "We're Acme": only with a capital, since "it's expensive" is no name.
const CAPITAL_NAME = new RegExp(`${CLAUSE_START}(?:it's|its|here's|heres|this is)\\s+`, 'giu')
const COMMA_ROLE_AFTER = /^\s*,\s*(?:(?:o|a|the|el|la|um|uma|an?)\s+)?/u
// "Luana, trabalho no Mercadinho", "Ana, soy la dueña": after the comma the lead goes on about themselves.
const SELF_AFTER_NAME = /^\s*[,\n]\s*(?:(?:eu|i|yo|and|e|y)\s+)?(?:trabalho|trabalhamos|atuo|sou|somos|represento|cuido|tenho|temos|toco|work|i'm|im|i am|run|own|manage|trabajo|trabajamos|soy|somos|tengo|tenemos|manejo|dirijo|llevo)(?![\p{L}])/u
const HERE_AFTER = new RegExp(`^\\s*,?\\s*(?:here|aqui|falando|speaking|hablando)${NOT_LETTER_AFTER}`, 'u')
const NAME_STOPS = new Set([...NAME_STOP, ...NOT_NAME_WORDS, ...OWNER_ROLES, ...AREA_ROLES, ...TRAILING_ROLES, ...BUSINESS_WORDS])
// A spoken introduction has no commas: "te cuento soy Camila Rojas trabajo en…". Mid-sentence, only a capitalised name.
const MIDDLE_NAME = new RegExp(`${NOT_LETTER_BEFORE}(?:sou|eu sou|soy|yo soy|i'm|i am|aqui e|aqui es)(?:\\s+(?:o|a|el|la))?\\s+`, 'gu')
// "Leads from Instagram": where something comes from, not who.
const PLATFORMS = /^(?:instagram|insta|facebook|fb|whatsapp|zap|google|linkedin|tiktok|youtube|twitter|x|site|website|web|email|e-mail|ads|google ads|meta|mercado livre|mercado libre|amazon|shopee|ifood|olx)$/
// "Dr.", "Sra.": a courtesy title is not part of the name.
const TITLE = /^\s*(?:(?:[Dd]ra?|[Ss]ra?|[Ss]rta|M(?:rs?|s)|[Pp]rofa?|[Ee]ng|[Ii]ng|[Ll]ic(?:da)?)\.\s*|(?:Dra?|Mrs?|Ms|Profa?)\s+(?=\p{Lu}))/u
// Lower-case words that are not names: participles, gerunds, adverbs ("interessado", "looking", "really").
const NOT_NAME_SHAPE = /(?:ing|ed|ly|ado|ada|ido|ida|ndo|mente|oso|osa|vel)$/
const PARTICLES = /^(?:da|de|do|dos|das|del|van|von|di|de la|de los|de las)$/

interface Span { value: string, end: number }

interface Token { word: string, folded: string, start: number, end: number, closes: boolean }

/** The words from `from` on, each with where it ends and whether punctuation closes it ("Costa,"). */
function tokensFrom (text: string, from: number, max = 8): Token[] {
  const out: Token[] = []
  // Dots inside a word stay in it ("S.A", "acme.com.br"); a dot after it ends the sentence.
  const re = /[^\s,.;:!?()|]+(?:\.[^\s,.;:!?()|]+)*/gu
  re.lastIndex = from
  for (let m = re.exec(text); m !== null && out.length < max; m = re.exec(text)) {
    const gap = text.slice(out.length === 0 ? from : out[out.length - 1]!.end, m.index)
    if (out.length > 0 && /[,.;:!?()|\n]/.test(gap)) { out[out.length - 1]!.closes = true; break }
    if (out.length === 0 && /[,.;:!?()|\n]/.test(gap)) break
    out.push({ word: m[0], folded: fold(m[0]), start: m.index, end: m.index + m[0].length, closes: false })
  }
  return out
}

const isCapitalised = (word: string): boolean => /^\p{Lu}/u.test(word)

function nameWordOk (token: Token, strong: boolean): boolean {
  if (!/^\p{L}[\p{L}'’-]*$/u.test(token.word) || token.folded.length < 2 || NAME_STOPS.has(token.folded)) return false
  return strong || isCapitalised(token.word) || !NOT_NAME_SHAPE.test(token.folded)
}

/** A name of up to four words starting at `from`; a lower-case second word only if it is a surname. */
function takeName (text: string, from: number, strong: boolean): Span | undefined {
  const title = text.slice(from).match(TITLE)
  const tokens = tokensFrom(text, from + (title?.[0].length ?? 0))
  const first = tokens[0]
  if (first === undefined || !nameWordOk(first, strong)) return undefined
  const capitalised = isCapitalised(first.word)
  let end = first.end
  let words = 1
  for (let i = 1; i < tokens.length && words < 4 && !tokens[i - 1]!.closes; i++) {
    const token = tokens[i]!
    const next = tokens[i + 1]
    if (PARTICLES.test(token.folded) && next !== undefined && PARTICLE_SURNAMES.includes(next.folded) && !token.closes) {
      end = next.end
      words++
      i++
      continue
    }
    // After "meu nome é" a lower-case name goes on ("joão pedro"); after "sou" only a known surname does.
    const surname = capitalised ? isCapitalised(token.word) && nameWordOk(token, false) : strong ? nameWordOk(token, true) : SURNAMES.includes(token.folded)
    if (!surname) break
    end = token.end
    words++
  }
  return { value: text.slice(first.start, end), end }
}

function readName (text: string, folded: string): Span | undefined {
  for (const m of folded.matchAll(STRONG_NAME)) {
    const name = takeName(text, m.index + m[0].length, true)
    if (name !== undefined) return name
  }
  for (const m of folded.matchAll(SOFT_NAME)) {
    const name = takeName(text, m.index + m[0].length, false)
    if (name !== undefined) return name
  }
  for (const m of text.normalize('NFC').replace(/[’`]/g, "'").matchAll(CAPITAL_NAME)) {
    const name = isCapitalised(text.slice(m.index + m[0].length)) ? takeName(text, m.index + m[0].length, false) : undefined
    if (name !== undefined) return name
  }
  for (const m of folded.matchAll(HERE_NAME)) {
    const name = nameBeforeContext(text, folded, m.index + m[0].length)
    if (name !== undefined) return name
  }
  for (const m of folded.matchAll(MIDDLE_NAME)) {
    const from = m.index + m[0].length
    const name = isCapitalised(text.slice(from)) ? takeName(text, from, false) : undefined
    if (name !== undefined && !PLACE_SET.has(fold(name.value))) return name
  }
  return undefined
}

/**
 * A name opening a clause, taken only when what follows says it is one: "Karen speaking", "Pedro
 * aqui", "Sarah Connor, from Cyberdyne", "Kevin from Apex Motors", "Mark Lee, sales manager at…".
 */
function nameBeforeContext (text: string, folded: string, from: number): Span | undefined {
  const name = takeName(text, from, false)
  if (name === undefined) return undefined
  const after = folded.slice(name.end)
  const here = after.match(HERE_AFTER)
  if (here !== null) return { value: name.value, end: name.end + here[0].length }
  if (!isCapitalised(name.value) || PLACE_SET.has(fold(name.value))) return undefined
  // "Pedro, da Pedro Autopeças", "Sarah Connor, from Cyberdyne": a capitalised name, then where they are from.
  if (/^\s*[,\n]/.test(after) && (AFTER_NAME.test(after) || SELF_AFTER_NAME.test(after))) return name
  // "haha ok, Kevin from Apex Motors": without the comma, only when a capitalised company follows.
  const from2 = after.match(/^\s+(?:from|de|da|do|del|@)\s+/u)
  const company = from2 === null || !isCapitalised(text.slice(name.end + from2[0].length)) ? undefined : takeCompany(text, name.end + from2[0].length)
  if (company !== undefined && !PLATFORMS.test(fold(company))) return name
  // "Mark Lee, sales manager at Pied Piper", "Dave, ops lead @ Greenfield Farms": a name then a job title.
  const comma = after.match(COMMA_ROLE_AFTER)
  if (comma !== null && roleLength(text.slice(name.end + comma[0].length)) !== undefined) return name
  return undefined
}

// ---- role ----------------------------------------------------------------------------------------

const AREA = `(?:${anyOf(AREAS)})`
const ARTICLE = '(?:um|uma|a|o|an|the|un|una|el|la|los|las|os|as|meu|minha|my|mi|seu|sua|your|su|nosso|nossa|our)'
const ROLE_SOURCE =
  `${NOT_LETTER_BEFORE}(?:` +
    `(?:${anyOf(OWNER_ROLES)})` +
    `|(?:(?:senior|sr|junior|jr)\\s+)?(?:${anyOf(AREA_ROLES)})(?:\\s+(?:${anyOf(ROLE_ADJECTIVES)}))?(?:(?<join>\\s+(?:de|of|for|pelo|pela|por)\\s+)(?<area>${AREA}${NOT_LETTER_AFTER}|(?!${ARTICLE}${NOT_LETTER_AFTER})[${L}]{3,})|\\s+(?:do|da)\\s+${AREA}${NOT_LETTER_AFTER}|\\s+${AREA}(?=\\s*(?:[,|@\\n–—-]|$|\\s(?:at|of|for|en|na|no|da|do|de|in|with)\\s)))?` +
    `|(?:${AREA})\\s+(?:${anyOf(TRAILING_ROLES)})` +
  `)${NOT_LETTER_AFTER}`
const ROLE = new RegExp(ROLE_SOURCE, 'gu')
const ROLE_CUES = [
  'sou', 'eu sou', "i'm", 'im', 'i am', 'soy', 'yo soy', 'como', 'as', 'atuo como', 'trabalho como', 'work as', 'working as', 'trabajo como', 'cargo', 'role', 'title', 'position',
  'puesto', 'funcao', 'ocupo el cargo de', 'ocupo o cargo de',
]
const ROLE_ALLOWED_BEFORE = new RegExp(`(?:(?:^|[^${L}])(?:${anyOf(ROLE_CUES)})(?:\\s+(?:o|a|um|uma|the|an|el|la|un|una))?\\s*:?\\s*|^\\s*|\\n\\s*|[,|–—]\\s*(?:(?:o|a|the|el|la|um|uma|an?)\\s+)?|\\s-\\s*)$`, 'u')
const AREA_ONLY = new RegExp(`^${AREA}$`, 'u')
const HEAD_VERB = new RegExp(`${NOT_LETTER_BEFORE}(?:i|eu|yo)\\s+(?<verb>head|lead|run|manage|cuido d[oa]s?|lidero|dirijo|coordeno|coordino|gerencio)\\s+(?:the\\s+|o\\s+|a\\s+|el\\s+|la\\s+)?(?<area>${AREA})${NOT_LETTER_AFTER}`, 'u')

/** The lead's own job title: introduced by "sou", "I'm", "as", a comma after the name, or a line start. */
function readRole (text: string, folded: string): Span | undefined {
  for (const m of folded.matchAll(ROLE)) {
    if (!ROLE_ALLOWED_BEFORE.test(folded.slice(Math.max(0, m.index - 30), m.index))) continue
    let end = m.index + m[0].length
    // "Dona Cida, o bolo…": "Dona"/"Don" before a capitalised name is a courtesy title.
    if (/^(?:dona|dono|don)$/.test(m[0].trim()) && isCapitalised(text.slice(m.index)) && /^\s+\p{Lu}/u.test(text.slice(end))) continue
    // "gerente de Logística Andina": a capitalised word after "de" that is no department is the company.
    const { area, join } = m.groups ?? {}
    if (area !== undefined && join !== undefined && !AREA_ONLY.test(area) && isCapitalised(text.slice(end - area.length, end))) end -= area.length + join.length
    return { value: text.slice(m.index, end).trim(), end }
  }
  const head = folded.match(HEAD_VERB)
  if (head?.index !== undefined && head.groups !== undefined) {
    const areaStart = head.index + head[0].length - (head.groups['area'] ?? '').length
    const area = text.slice(areaStart, head.index + head[0].length)
    return { value: /^(?:head|lead|run|manage)$/.test(head.groups['verb'] ?? '') ? `head of ${area}` : `responsável por ${area}`, end: head.index + head[0].length }
  }
  return undefined
}

// ---- company ---------------------------------------------------------------------------------------

const COMPANY_CUES = [
  'minha empresa e', 'minha empresa se chama', 'nossa empresa e', 'nossa empresa se chama', 'a empresa e', 'a empresa se chama', 'empresa:', 'nome da empresa e', 'nome da empresa:',
  'empresa chamada', 'a empresa chama', 'my company is called', 'our company is called', 'the company is called', 'company is called', 'my company is', 'our company is', 'the company is', "company's name is", 'company name is', 'company:', 'company is', 'company called', 'mi empresa es',
  'mi empresa se llama', 'nuestra empresa es', 'nuestra empresa se llama', 'la empresa es', 'la empresa se llama', 'empresa llamada', 'trabalho na', 'trabalho no',
  'trabalho em', 'trabalho para', 'trabalho pra', 'trabalho pela', 'trabalho pelo', 'trabalhamos na', 'trabalhamos no', 'atuo na', 'atuo no', 'work at', 'work for', 'working at',
  'working for', "i'm with", 'i am with', 'im with', 'employed at', 'employed by', 'trabajo en', 'trabajo para', 'laburo en', 'laburo para', 'curro en', 'chambeo en', 'trabajamos en', 'represento a', 'represento o', 'represento la',
  'represento el', 'represento', 'i represent', 'falo da', 'falo do', 'falo pela', 'falo pelo', 'falo em nome da', 'falo em nome do', 'hablo de parte de', 'en nombre de',
  'on behalf of', 'sou da', 'sou do', 'somos da', 'somos do', 'aqui e da', 'aqui e do', "i'm from", 'i am from', 'im from', 'we are from', "we're from", 'soy de la empresa',
  'somos de la empresa', 'da empresa', 'na empresa', 'de la empresa', 'en la empresa', 'from the company', 'at the company', 'da companhia', 'with the company',
]
const COMPANY_CUE = new RegExp(`${NOT_LETTER_BEFORE}(?:${anyOf(COMPANY_CUES)})\\s+`, 'gu')
const AFTER_NAME = /^\s*,?\s*(?:(?:here|aqui|falando|speaking)\s*,?\s*)?(?:from|de la|del|da|do|de|with|@)\s+/u
const AFTER_ROLE = /^\s*(?:(?:la|ali|aqui|alla|aca|there|here|alli|ahi)\s+)?(?:de la|del|das|dos|da|do|na|no|numa|num|em|at|@|of|en|de|for|with|from|in)\s+/u
const CONNECTORS = new Set(['de', 'da', 'do', 'dos', 'das', 'del', 'of', 'the', 'and', 'e', 'y', '&', 'la', 'las', 'los'])
const ABBREVIATION = /^(?:s\.?\/?a\.?|ltda\.?|inc\.?|co\.?|corp\.?|ltd\.?|llc|me|eireli|s\.?a\.?s\.?|s\.?l\.?|gmbh|plc)$/i
const PLACE_SET = new Set(PLACES)
const GENERIC_SET = new Set(GENERIC_COMPANIES)
const COMPANY_STOPS = new Set(COMPANY_STOP)

/** A company name starting at `from`: capitalised words ("Transportadora Rápida", "Banco do Brasil") or, typed in lower case, up to four words. */
/**
 * Where the company's own words start: after "the", "la", "empresa" ("para a Acme", "la Ferretería
 * Central", "empresa Xpto"); undefined after "uma", "a", "an" ("uma loja", "a small bakery").
 */
function companyStart (tokens: readonly Token[]): number | undefined {
  let i = 0
  const next = (): Token | undefined => tokens[i + 1]
  // "la Constructora Andes" drops the article; "El Fogón", "The Home Depot" keep it, capitalised as part of the name.
  if (/^(?:the|o|os|el|la|los|las)$/.test(tokens[i]?.folded ?? '') && next() !== undefined && !(isCapitalised(tokens[i]!.word) && tokens[i]!.word.length > 1 && i === 0 && /^(?:El|La|Los|Las|The)$/.test(tokens[i]!.word) && isCapitalised(next()!.word))) i++
  else if (tokens[i]?.folded === 'a' && next() !== undefined && /^[\p{Lu}\d]/u.test(next()!.word)) i++
  if (/^(?:empresa|company|companhia|compania)$/.test(tokens[i]?.folded ?? '') && next() !== undefined) i++
  return /^(?:um|uma|an?|un|una)$/.test(tokens[i]?.folded ?? '') ? undefined : i
}

function takeCompany (text: string, from: number): string | undefined {
  const tokens = tokensFrom(text, from)
  const start = companyStart(tokens)
  const first = start === undefined ? undefined : tokens[start]
  if (start === undefined || first === undefined || COMPANY_STOPS.has(first.folded)) return undefined
  const capitalised = /^[\p{Lu}\d]/u.test(first.word)
  let end = first.end
  for (let i = start + 1; i < tokens.length && !tokens[i - 1]!.closes; i++) {
    const token = tokens[i]!
    const next = tokens[i + 1]
    const joins = CONNECTORS.has(token.folded) && next !== undefined && /^[\p{Lu}\d&]/u.test(next.word) && !token.closes
    const keeps = capitalised
      ? /^[\p{Lu}\d&]/u.test(token.word) || ABBREVIATION.test(token.word) || joins
      : !COMPANY_STOPS.has(token.folded) && i - start < 4
    if (!keeps) break
    end = token.end
  }
  // "Acme S.A.", "Nimbus Cloud Inc." keep the abbreviation's last dot.
  if (text[end] === '.' && (/\b\p{L}\.\p{L}$/u.test(text.slice(first.start, end)) || /\s(?:Inc|Co|Corp|Ltd|Ltda|Cia|S\.?A|Bros)$/u.test(text.slice(first.start, end)))) end++
  const value = text.slice(first.start, end)
  const key = fold(value)
  return PLACE_SET.has(key) || GENERIC_SET.has(key) || AREA_ONLY.test(key) || !isAcceptableValue('company', value) ? undefined : value
}

// "We're Acme", and a bare answer opening with "From Globex" / "Da Acme": capitalised only.
// "I run Ortega Imports", "I own Bella Salon", "fundei a Xpto": a verb of owning, then a capitalised company.
const CAPITAL_COMPANY = new RegExp(
  `${CLAUSE_START}(?:we're|we are|somos|nosotros somos)\\s+(?:(?:a|o|la|el)\\s+)?|^\\s*(?:from|da|do|de)\\s+` +
  `|${NOT_LETTER_BEFORE}(?:i|we|eu|yo|nos)?\\s*(?:run|own|co-own|founded|started|manage|operate|fundei|fundamos|criei|administro|dirijo|fund[eé]|cre[eé]|manejo|llevo|toco|cuido d[ao])\\s+(?:(?:a|o|la|el|the)\\s+)?`,
  'giu')
// "tenho uma loja de roupas, a Gil Modas", "tengo una ferretería, Ferretería López", "a shop called Bella":
// a kind of business, then its name.
const KIND_THEN_NAME = new RegExp(
  `${NOT_LETTER_BEFORE}(?:uma|um|numa|num|una|un|an?|my|our|minha|nossa|mi|nuestra|meu|nosso|nuestro)\\s+(?:[${L}-]+\\s+){0,3}?[${L}-]+` +
  '(?:\\s*(?:[,:–—]|\\s-)\\s*(?:(?:chamada|chamado|called|named|llamada|llamado)\\s+)?|\\s+(?:chamada|chamado|called|named|llamada|llamado|que se llama|que se chama|se llama|se chama)\\s+)',
  'gu')
// "Bright Smile Dental here, Karen speaking": a business named at a clause start, then "here".
const COMPANY_HERE = new RegExp(`${CLAUSE_START}(?=[${L}\\d])`, 'gu')
const BUSINESS_SET = new Set(BUSINESS_WORDS)
const DEPARTMENT_AFTER_NAME = new RegExp(`^\\s*,?\\s*(?:do|da|from|de|del)\\s+(?:the\\s+|o\\s+|el\\s+)?${AREA}${NOT_LETTER_AFTER}`, 'u')

/** "Bright Smile Dental here, Karen speaking": a capitalised business before "here", when it names a business or the name is said after it. */
function companyHere (text: string, folded: string, name: Span | undefined): string | undefined {
  for (const m of folded.matchAll(COMPANY_HERE)) {
    const from = m.index + m[0].length
    if (!isCapitalised(text.slice(from)) && !/^\d/.test(text.slice(from))) continue
    const company = takeCompany(text, from)
    if (company === undefined) continue
    const end = text.indexOf(company, from) + company.length
    const words = fold(company).split(/[^\p{L}\d]+/u).filter((w) => w !== '')
    // "Hotel aqui" names a kind of business, not one.
    if (words.every((w) => BUSINESS_SET.has(w))) continue
    const nameAfter = name !== undefined && name.end > end && !fold(company).includes(fold(name.value))
    const business = words.some((w) => BUSINESS_SET.has(w))
    // "Bright Smile Dental here, …", "Hotel Mar Azul, habla Lucía": the business, then who is writing.
    if (HERE_AFTER.test(folded.slice(end)) ? business || nameAfter : nameAfter && business && /^\s*[,–—-]/.test(folded.slice(end))) return company
  }
  return undefined
}

/** "Sou a Paula, do marketing da Acme": a department after the name, then the company. */
function departmentAfter (folded: string, name: Span | undefined): Span | undefined {
  const m = name === undefined ? null : folded.slice(name.end).match(DEPARTMENT_AFTER_NAME)
  return name === undefined || m === null ? undefined : { value: m[0], end: name.end + m[0].length }
}

function readCompany (text: string, folded: string, name: Span | undefined, role: Span | undefined): string | undefined {
  for (const m of folded.matchAll(COMPANY_CUE)) {
    const company = takeCompany(text, m.index + m[0].length)
    if (company !== undefined) return company
  }
  for (const m of folded.matchAll(KIND_THEN_NAME)) {
    const from = m.index + m[0].length
    const named = text.slice(from).replace(/^(?:a|o|la|el|the)\s+/u, '')
    const company = isCapitalised(named) || /^\d/.test(named) ? takeCompany(text, from) : undefined
    if (company !== undefined) return company
  }
  const here = companyHere(text, folded, name)
  if (here !== undefined) return here
  for (const m of text.normalize('NFC').replace(/[’`]/g, "'").matchAll(CAPITAL_COMPANY)) {
    const company = isCapitalised(text.slice(m.index + m[0].length)) ? takeCompany(text, m.index + m[0].length) : undefined
    if (company !== undefined) return company
  }
  for (const span of [role, name, departmentAfter(folded, name)]) {
    if (span === undefined) continue
    const lead = folded.slice(span.end).match(span === name ? AFTER_NAME : AFTER_ROLE)
    const company = lead === null ? undefined : takeCompany(text, span.end + lead[0].length)
    if (company !== undefined) return company
    // "Jane Doe, VP Marketing, Acme Corp": a title, a separator, then a capitalised company.
    const separator = span === role ? folded.slice(span.end).match(/^\s*[,|–—]\s*|^\s+-\s+/u) : null
    const listed = separator === null || !isCapitalised(text.slice(span.end + separator[0].length)) ? undefined : takeCompany(text, span.end + separator[0].length)
    if (listed !== undefined && (name === undefined || !fold(listed).includes(fold(name.value)))) return listed
  }
  return undefined
}

// ---- signature ---------------------------------------------------------------------------------------

const SIGN_OFF = /^\s*(?:--+|—|__+|att\.?|atte\.?|atenciosamente|abs\.?|abracos?|um abraco|grande abraco|obrigad[oa]|muito obrigad[oa]|grat[oa]|cordialmente|saudacoes|regards|best|best regards|kind regards|warm regards|warmly|all the best|best wishes|many thanks|thanks|thank you|thanks and regards|cheers|sincerely|yours truly|saludos|saludos cordiales|cordiales saludos|un saludo|un cordial saludo|muchas gracias|atentamente|gracias|sds|slds|segue(?:m)? (?:meus|os meus) dados|meus dados|mis datos|my details|enviado do meu \w+|sent from my \w+)[\s,.!:]*$/
const PARTS = /\s*[|–—]\s*|\s+-\s+|,\s+/u
const AFTER_TITLE = /^\s*(?:[|–—,@-]|(?:at|na|no|da|do|en|de|of|em)(?=\s))\s*/iu

/** "--\nJohn Smith\nCTO | Acme Logistics": the lines after a sign-off, when they read as name, title and company. */
function readSignature (text: string): Introduction {
  const lines = text.split('\n').map((l) => l.trim())
  const signOff = lines.findLastIndex((l) => SIGN_OFF.test(fold(l)))
  const contact = (l: string): boolean => l === '' || /@|https?:|www\.|\d{4,}|^(?:tel|fone|cel|phone|mobile|movil|whats(?:app)?)\b/i.test(l)
  const kept = (signOff >= 0 ? lines.slice(signOff + 1) : lines).filter((l) => !contact(l)).map(withoutTitle)
  // Without a sign-off ("segue meus dados"), the block is a name line right above a title line.
  const at = signOff >= 0 ? 0 : kept.findLastIndex((l, i) => i + 1 < kept.length && roleLength(kept[i + 1]!) !== undefined && isNameLike(l) && isCapitalised(l))
  const [nameLine, titleLine, thirdLine] = at < 0 ? [] : kept.slice(at)
  if (nameLine === undefined || !isNameLike(nameLine) || !isCapitalised(nameLine)) return {}
  if (signOff < 0 && (titleLine === undefined || roleLength(titleLine) === undefined)) return {}
  const { role, company } = titleLine === undefined ? {} : readTitleLine(titleLine)
  const companyValue = company ?? (role !== undefined ? thirdLine : undefined)
  const out: Introduction = { name: nameLine }
  if (role !== undefined) out.role = role
  if (companyValue !== undefined && isAcceptableValue('company', companyValue) && !GENERIC_SET.has(fold(companyValue))) out.company = companyValue
  return out
}

/** "Dra. Gabriela Ortiz" → "Gabriela Ortiz". */
function withoutTitle (line: string): string {
  return line.replace(TITLE, '')
}

/** "CTO | Acme", "Gerente Comercial - Acme Ltda", "Head of Operations at Contoso", "Acme | CTO", "Acme Logistics". */
function readTitleLine (line: string): { role?: string, company?: string } {
  const length = roleLength(line)
  if (length !== undefined) {
    const rest = line.slice(length).replace(AFTER_TITLE, '').trim()
    return rest === '' ? { role: line.slice(0, length).trim() } : { role: line.slice(0, length).trim(), company: rest }
  }
  const [first, second, ...more] = line.split(PARTS)
  if (first !== undefined && second !== undefined && more.length === 0 && roleLength(second) !== undefined) return { company: first, role: second }
  return { company: line }
}

/** How long the job title opening the line is, if the line opens with one. */
function roleLength (line: string): number | undefined {
  const folded = foldAligned(line)
  const m = new RegExp(ROLE_SOURCE, 'u').exec(folded)
  return m === null || m.index !== 0 ? undefined : m[0].length
}

// ---- all together -----------------------------------------------------------------------------------

function companyAfterRole (text: string, folded: string, role: Span): string | undefined {
  const lead = folded.slice(role.end).match(AFTER_ROLE)
  return lead === null ? undefined : takeCompany(text, role.end + lead[0].length)
}

/** "Acima de R$ 5.000", "up to $2k": a budget answer, however its words look like "Name de Company". */
function isShortAmount (text: string): boolean {
  return text.trim().split(/\s+/).length <= 5 && readAmountBound(text)?.explicit === true
}

/** Name, role and company the lead gave about themselves; a field not said is absent. */
export function readIntroduction (text: string): Introduction {
  if (isInstruction(text) || isShortAmount(text)) return {}
  const original = text.normalize('NFC')
  const folded = foldAligned(original).replace(/[’`]/g, "'")
  // "Hey there - Maria Gonzalez | Operations Director | Lakeside Hotels": a signature on one line.
  const signature = readSignature(original.includes('|') ? original.replace(/^\s*(?:hey there|hi there|hello|hi|hey|oi|ola|olá|hola)\s*[-–—,:]\s*/iu, '').replace(/\s*\|\s*/g, '\n') : original)
  const name = readName(original, folded)
  const role = readRole(original, folded)
  const read = deniesCompany(original) ? undefined : readCompany(original, folded, name, role) ?? signature.company
  // "Chinedu Okafor, Customer Experience Lead at Lagos Fresh Foods": the title after the name is no
  // company; the words after the title's "at" are.
  const company = read !== undefined && role !== undefined && fold(read) === fold(role.value) ? companyAfterRole(original, folded, role) : read
  const out: Introduction = {}
  const nameValue = name?.value ?? signature.name
  if (nameValue !== undefined && isNameLike(nameValue)) out.name = titleCase(nameValue)
  const roleValue = role?.value ?? signature.role
  // "VP Sales, Nimbus Cloud Inc.", "Directora Médica - Centro Médico San Rafael": a title line, its company after the separator.
  const titleCompany = company === undefined && role !== undefined && signature.company === undefined ? companyOfTitleLine(original, role) : undefined
  if (roleValue !== undefined) out.role = roleValue
  const companyValue = company ?? titleCompany
  if (companyValue !== undefined) out.company = companyValue.trim()
  return out
}

function companyOfTitleLine (text: string, role: Span): string | undefined {
  const start = role.end - role.value.length
  const lineStart = text.lastIndexOf('\n', start - 1) + 1
  if (text.slice(lineStart, start).trim() !== '') return undefined
  const lineEnd = text.indexOf('\n', role.end)
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd)
  // Only a separator after the title ("VP Sales, Nimbus"), never "mecanico y dueño" or "CTO, founder".
  if (!/^\s*(?:[|–—,@]|-\s|(?:at|na|no|da|do|en|de|of|em)\s)/iu.test(line.slice(role.end - lineStart))) return undefined
  const { company } = readTitleLine(line)
  return company !== undefined && company !== role.value && roleLength(company) === undefined && /^[\p{Lu}\d]/u.test(company) && isAcceptableValue('company', company) && !GENERIC_SET.has(fold(company)) && !PLACE_SET.has(fold(company)) ? company : undefined
}
