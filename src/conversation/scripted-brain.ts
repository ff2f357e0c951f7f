import type { Brain, BrainInput } from './brain.js'
import { localize, type Playbook } from './playbook.js'
import type { Intent, TurnAnalysis } from './types.js'

// The no-network brain: keywords in pt-BR, English and Spanish, plus "a bare answer is the answer to
// the question just asked". Used in dev without a key and whenever OpenAI fails.

/** Lower case without accents, so "Não" and "nao" read alike. */
export function fold (text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
}

const OPT_OUT_ANYWHERE = [
  /\bpar(e|a|em|ar) de (me )?(mandar|enviar|escrever)/,
  /\bnao (me )?(mande|envie|escreva|chame)/,
  /\bnao quero (mais )?(receber|mensage)/,
  /\bme (tira|tire|remove|remova|exclui|exclua) (dessa|desta|da) lista/,
  /\b(descadastr|unsubscri|opt[- ]?out)/,
  /\bstop (messaging|texting|sending|writing|contacting)/,
  /\b(remove|delete) me\b/,
  /\bdo not (contact|message|text) me/,
  /\bdon'?t (contact|message|text) me/,
  /\bdeja de (escribir|enviar)/,
  /\bno me (escribas|envies|mandes)/,
  /\bno quiero (recibir|mas mensajes)/,
  /\b(darme|dame|dar) de baja/,
  /\bleave me alone/,
]
// LGPD/GDPR erasure: the lead's personal data, not only the messages ("delete me" is an opt-out).
const ERASE = [
  /\b(apag|exclu|delet|remov|elimin)\w* (todos )?(os )?(meus )?dados\b/,
  /\b(esquec|esqueca)\w* (os )?(meus )?dados\b/,
  /\b(delete|erase|remove|wipe|forget) (all )?(of )?my (personal )?(data|information|info|details)\b/,
  /\bright to (be forgotten|erasure)\b/,
  /\b(borr|elimin|suprim)\w* (todos )?(mis )?datos\b/,
]
// Short commands only: "pare", "sair", "stop" inside a longer sentence often mean something else.
// A polite tail ("não quero mais, obrigado") does not change the command.
const OPT_OUT_SHORT = /^(pare|parar|para|sair|stop|cancelar|cancel|unsubscribe|chega|basta|nao quero mais|nao quero|quit|end|alto|baja)[.! ]*(,? ?(obrigad[oa]|valeu|thanks|thank you|gracias)[.! ]*)?$/

const HUMAN = [
  /\b(falar|conversar|atendimento) com (um |uma |o |a |algum |alguma )?(humano|pessoa|atendente|vendedor|vendedora|consultor|consultora|especialista|gente|comercial)/,
  // "vou falar com alguém do meu time" is the lead consulting their own people, not asking for ours.
  /\b(quero|queria|gostaria de|posso|preciso|prefiro) (falar|conversar) com alguem\b(?! (do|da) (meu|minha|nosso|nossa))/,
  /\bme (passa|passe|transfere|transfira|encaminha|encaminhe) (pra|para) (um |uma |o |a |alguem)/,
  /\b(humano|atendente|pessoa de verdade|pessoa real|alguem de verdade)\b/,
  /\b(talk|speak|chat) (to|with) ((a |an |the |your )?(human|person|agent|representative|salesperson|sales|real)|someone|somebody)/,
  /\b(human|real person|live agent|representative|operator)\b/,
  /\b(hablar|conversar) con (un |una |el |la )?(humano|persona|agente|asesor|vendedor)/,
  /\b(quiero|quisiera|puedo|necesito|prefiero) (hablar|conversar) con alguien\b(?! de mi)/,
  /\b(me )?(pasas|pases|pasar|comunicas|comuniques) con (un |una |el |la )?(humano|persona|agente|asesor|vendedor|alguien)/,
]
const MEETING = /\b(reuniao|reuniones?|agendar|marcar (uma )?(call|reuniao|conversa|horario)|meeting|schedule|book (a )?(call|demo|meeting)|demo|demonstracao|videochamada|video ?call|reunion|cita)\b/
const NOT_INTERESTED = /\b(nao tenho (mais )?interesse|sem interesse|nao me interessa|nao (e|eh) pra mim|not interested|no interest|no thanks|no,? thank you|no tengo interes|no me interesa)\b/
// "I'd rather not say": a refusal is no answer to the question just asked.
const REFUSAL = /\b(prefiro nao|nao (vou|quero|posso) (dizer|informar|falar|passar|responder|compartilhar|dar)|(i'?d|i would) rather not|prefer not to|not telling|(won'?t|will not|don'?t want to) (say|tell|share|give)|none of your business|prefiero no|no (quiero|voy a|puedo) (decir|dar|compartir))\b/
// Laughter, greetings, thanks, yes/no or emoji alone are not the name, company or need just asked.
const NOT_AN_ANSWER = /^(k{3,}|(ha){2,}h?|(he){2,}|(rs)+|(ja){2,}|ok|okay|blz|beleza|oi+|ola|hi|hey|hello|hola|bom dia|boa tarde|boa noite|buenos dias|buenas( tardes| noches)?|good (morning|afternoon|evening)|sim|nao|yes|no|si|obrigad[oa]|thanks|thank you|gracias|tudo bem)$/
const QUESTION_START = /^(quanto|qual|quais|como|quando|onde|o que|por que|porque|voces|vcs|tem|existe|da pra|how|what|when|where|which|why|do you|does|can you|can i|is it|are you|cuanto|cual|como|cuando|donde|que|tienen|hay)\b/

const EMAIL = /[^\s@<>(),;:]{1,64}@[^\s@<>(),;:]{1,255}\.[a-z]{2,24}/i
const PHONE = /(?:\+?\d[\d\s().-]{7,18}\d)/
const NAME_PREFIX = /(?:meu nome (?:é|e|eh)|me chamo|pode me chamar de|my name is|call me|me llamo|mi nombre es)\s+([\p{L}'-]+(?:[ \t]+(?!e\b|and\b|y\b|da empresa|from\b|de la\b)[\p{L}'-]+){0,3})/iu
const NAME_SOFT = /(?:^|[.!,]\s*)(?:[Ss]ou (?:o |a )?|[Aa]qui (?:e|é) (?:o |a )?|[Ii]['’]?m |[Ii] am |[Tt]his is |[Ss]oy )(\p{Lu}[\p{L}'-]+(?:[ \t]+\p{Lu}[\p{L}'-]+){0,2})/mu
// The lead-in may open the sentence ("Sou da Acme"), so its first letter may be upper case; the
// company name itself must start with a capital or a digit.
const COMPANY = /(?:(?:^|,[ \t]*)[Dd][ao](?= \p{Lu})|[Dd]a empresa|[Nn]a empresa|[Ee]mpresa|[Tt]rabalho (?:na|no|em|para|pra)|[Ss]ou d[ao]|[Ff]alo d[ao]|[Ff]rom|[Ww]ork (?:at|for)|I work (?:at|for)|[Cc]ompany(?: is)?|[Dd]e la empresa|[Tt]rabajo en)\s+(\p{Lu}[\p{L}\d&.'-]*(?:[ \t]+(?:\p{Lu}|\d)[\p{L}\d&.'-]*){0,3})/u
const ROLE = /\b(ceo|cto|cfo|coo|cmo|diretor[a]?(?: \p{L}+)?|gerente(?: de \p{L}+| \p{L}+)?|coordenador[a]?(?: de \p{L}+)?|analista(?: de \p{L}+)?|supervisor[a]?|s[oó]ci[oa]|propriet[aá]ri[oa]|dono|dona|fundador[a]?|founder|owner|head of \p{L}+|vp of \p{L}+|(?:sales |marketing |product )?manager|director(?: of \p{L}+)?|engineer|desenvolvedor[a]?|developer|vendedor[a]?|consultor[a]?|gerente)\b/iu
const BUDGET = /(?:r\$|us\$|\$|€|usd|brl)\s*\d[\d.,]*\s*(?:mil|k)?|\d[\d.,]*\s*(?:mil|k)?\s*(?:reais|dolares|dollars|euros|por mes|\/mes|per month|al mes)/i
const TIMELINE = /\b(este mes|esse mes|mes que vem|proximo mes|semana que vem|proxima semana|em \d+ (?:dias|semanas|meses)|ate \d+ meses|urgente|imediatamente|o quanto antes|this (?:month|week|quarter)|next (?:month|week|quarter)|asap|in \d+ (?:days|weeks|months)|right away|este mes|el proximo mes|lo antes posible|sem pressa|no rush|so pesquisando|just looking)\b/
const NEED = /\b(?:quero|queremos|preciso|precisamos|gostaria de|estou procurando|buscamos|we need|i need|we want|looking for|necesito|necesitamos|queremos)\b\s+(.{6,200})/i

const LANG_WORDS: Record<string, RegExp> = {
  'pt-BR': /\b(voce|voces|obrigad[oa]|nao|sim|quero|preciso|empresa|que|ola|oi|tudo|bem|meu|minha|para|com|uma|estou|trabalho|gostaria|tenho|pra|vcs|da|do)\b/g,
  en: /\b(the|i|you|my|is|what|hello|hi|hey|want|need|thanks|thank|company|and|how|we|our|work|with|please|yes|name|to|talk|speak|can|would|like|human|about|information|unsubscribe|of|at|from|for|are|this)\b/g,
  es: /\b(hola|quiero|quisiera|gracias|mi|es|que|usted|tengo|necesito|nosotros|el|la|los|las|del|y|con|un|una|trabajo|empresa|buenos|buenas|por favor|somos|soy|llamo|hablar|puedo|cuanto|cuesta)\b/g,
}

/** The language with the most telltale words; a tie or no evidence keeps the conversation's language. */
export function detectLanguage (text: string, fallback: string): string {
  // An address is no language: the "com" of "maria@acme.com" is not Portuguese.
  const folded = fold(text.replace(new RegExp(EMAIL.source, 'gi'), ' ').replace(/\bhttps?:\/\/\S+|\bwww\.\S+/gi, ' '))
  const scores = Object.entries(LANG_WORDS)
    .map(([lang, re]) => ({ lang, score: folded.match(re)?.length ?? 0 }))
    .sort((a, b) => b.score - a.score)
  const [first, second] = scores
  if (first === undefined || first.score === 0 || first.score === second?.score) return fallback
  // One telltale word is enough in a short message ("stop", "hola"), not in a long one.
  const words = folded.split(/\s+/).filter((w) => w !== '').length
  return first.score >= 2 || words <= 3 ? first.lang : fallback
}

function detectIntent (text: string): Intent | undefined {
  const f = fold(text).trim()
  // A burst is read line by line for the short commands: "na verdade / pensei melhor / pare" stops.
  if (ERASE.some((re) => re.test(f))) return 'erase_data'
  if (f.split('\n').some((line) => OPT_OUT_SHORT.test(line.trim())) || OPT_OUT_ANYWHERE.some((re) => re.test(f))) return 'opt_out'
  if (HUMAN.some((re) => re.test(f))) return 'wants_human'
  if (NOT_INTERESTED.test(f)) return 'not_interested'
  if (MEETING.test(f)) return 'wants_meeting'
  if (f.includes('?') || QUESTION_START.test(f)) return 'asks_question'
  return undefined
}

function extract (text: string, playbook: Playbook): Record<string, string> {
  const out: Record<string, string> = {}
  const folded = fold(text)
  const email = text.match(EMAIL)?.[0]
  if (email !== undefined) out['email'] = email
  const withoutEmail = email === undefined ? text : text.replace(email, ' ')
  const phone = withoutEmail.match(PHONE)?.[0]
  if (phone !== undefined && phone.replace(/\D/g, '').length >= 10) out['phone'] = phone
  const name = text.match(NAME_PREFIX)?.[1] ?? text.match(NAME_SOFT)?.[1]
  if (name !== undefined) out['name'] = titleCase(name)
  const company = text.match(COMPANY)?.[1]
  // Capitalised words may run past a full stop into the next sentence ("Acme. Queremos…").
  if (company !== undefined) out['company'] = company.split(/[.!?](?=\s)/)[0]?.replace(/[.,]+$/, '') ?? company
  const role = text.match(ROLE)?.[0]
  if (role !== undefined) out['role'] = role
  const budget = text.match(BUDGET)?.[0]
  if (budget !== undefined) out['budget'] = budget.trim()
  const timeline = folded.match(TIMELINE)?.[0]
  if (timeline !== undefined) out['timeline'] = timeline
  const needMatch = text.match(NEED)
  const need = needMatch?.[1]?.split(/[.!?\n]/)[0]?.trim()
  // "quero falar com alguém", "não quero mais receber": a request, not what the lead needs.
  const request = detectIntent(needMatch?.[0]?.split(/[.!?\n]/)[0] ?? '')
  if (need !== undefined && request !== 'wants_human' && request !== 'opt_out' && request !== 'erase_data' && request !== 'not_interested') out['need'] = need
  for (const field of playbook.qualification.fields) {
    const choice = field.choices?.find((c) => fold(c.title) === folded.trim() || fold(c.value) === folded.trim())
    if (choice !== undefined) out[field.key] = choice.value
  }
  const known = new Set(playbook.qualification.fields.map((f) => f.key))
  return Object.fromEntries(Object.entries(out).filter(([k]) => known.has(k)))
}

function titleCase (name: string): string {
  return name.split(/\s+/).map((w) => w.length <= 3 && /^(da|de|do|das|dos|e)$/i.test(w) ? w.toLowerCase() : w.charAt(0).toUpperCase() + w.slice(1)).join(' ')
}

function faqAnswer (text: string, playbook: Playbook): string | undefined {
  const words = new Set(fold(text).split(/[^\p{L}\d]+/u).filter((w) => w.length > 1))
  let best: { answer: string, hits: number } | undefined
  for (const item of playbook.product.faq) {
    const hits = item.keywords.filter((k) => words.has(fold(k))).length
    if (hits > 0 && (best === undefined || hits > best.hits)) best = { answer: item.answer, hits }
  }
  return best?.answer
}

export function analyzeScripted (input: BrainInput): TurnAnalysis {
  const { state, playbook } = input
  const text = input.messages.join('\n').trim()
  const language = detectLanguage(text, state.language)
  const intent = detectIntent(text)
  const fields = extract(text, playbook)
  // Whatever "não quero mais…" seemed to say it needs, the lead is leaving.
  if (intent === 'opt_out' || intent === 'erase_data') delete fields['need']

  // A bare answer to the question just asked ("Acme", "Maria") is that field's value: a message
  // from which something else was read ("Trabalho na Acme" when asked the name) is not bare.
  const asked = state.askedField
  const folded = fold(text).replace(/[^\p{L}\d ]+/gu, ' ').replace(/\s+/g, ' ').trim()
  const isAnswer = folded !== '' && !NOT_AN_ANSWER.test(folded) && !REFUSAL.test(fold(text))
  if (asked !== undefined && Object.keys(fields).length === 0 && intent === undefined && isAnswer && text.length <= 200) {
    fields[asked] = asked === 'name' ? titleCase(text.replace(/[.!]+$/, '')) : text
  }

  let reply = ''
  if (intent === 'asks_question') reply = faqAnswer(text, playbook) ?? localize(playbook.texts.out_of_scope, language, playbook.language)
  const finalIntent: Intent = intent ?? (Object.keys(fields).length > 0 ? 'gives_info' : 'other')
  return { reply, fields, intent: finalIntent, language, confidence: intent === undefined && finalIntent === 'other' ? 0.3 : 0.7 }
}

export function createScriptedBrain (): Brain {
  return {
    name: 'scripted',
    async analyze (input) {
      const started = performance.now()
      const analysis = analyzeScripted(input)
      return { analysis, adapter: 'scripted', usage: undefined, latencyMs: performance.now() - started }
    },
  }
}
