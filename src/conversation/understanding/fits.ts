import { BUSINESS_WORDS, PLACES } from './lexicon.js'
import { readNeed } from './need.js'
import { anyOf, fold, wordsOf } from './text.js'
import { readIntroduction } from './introduction.js'
import { isTimeOrMoney } from './time-or-money.js'
import { isAcceptableValue, isNameLike } from './utterance.js'

// Whether a bare answer fits the question it answers. A lead asked for the company who writes "não
// entendo" or "me indicaram vocês" has not named one; asked for the need, "lo más rápido posible" is
// a timeline and "honestly no clue" no need. The scripted brain stores a bare answer only when it fits.

// Words that make a phrase a sentence: pronouns, and verbs a lead uses to talk rather than to name.
const SENTENCE_WORDS = new Set([
  'eu', 'me', 'mim', 'comigo', 'voce', 'voces', 'vc', 'vcs', 'ele', 'ela', 'eles', 'elas', 'nos', 'gente', 'meu', 'minha', 'seu', 'sua', 'te', 'lhe',
  'i', 'im', 'ive', 'id', 'ill', 'you', 'u', 'ur', 'your', 'we', 'were', 'us', 'our', 'they', 'them', 'he', 'she', 'it', 'its', 'my', 'me', 'this', 'that',
  'yo', 'tu', 'vos', 'usted', 'ustedes', 'nosotros', 'ellos', 'mi', 'le', 'les', 'lo', 'nuestro', 'nuestra',
  'sou', 'somos', 'estou', 'esta', 'estamos', 'tenho', 'temos', 'tem', 'quero', 'queremos', 'preciso', 'precisamos', 'sei', 'sabe', 'acho', 'entendi', 'entendo', 'indicaram',
  'indicou', 'falaram', 'falou', 'disse', 'disseram', 'mandaram', 'vi', 'faco', 'faz', 'fazer', 'pode', 'posso', 'vou', 'vai', 'nao', 'n', 'nem',
  'am', 'is', 'are', 'was', 'have', 'has', 'had', 'need', 'want', 'know', 'think', 'told', 'said', 'saw', 'get', 'got', 'do', 'does', 'did', 'dont', 'not', 'can', 'cant', 'will',
  'soy', 'es', 'estoy', 'tengo', 'tenemos', 'tiene', 'quiero', 'queremos', 'necesito', 'necesitamos', 'se', 'sabes', 'entiendo', 'entendi', 'dijeron', 'dijo', 'recomendaron',
  'pasaron', 'hago', 'hace', 'puedo', 'puede', 'voy', 'va', 'no', 'ni', 'quieres', 'queres', 'quer', 'saber', 'sabe', 'why', 'porque', 'pq',
])
// Verbs that open a sentence about needs: "automate customer questions", "responder consultas".
const VERB_START = new Set([
  'automate', 'automating', 'answer', 'answering', 'respond', 'reply', 'book', 'booking', 'qualify', 'sell', 'selling', 'help', 'manage', 'handle', 'track', 'send', 'improve',
  'reduce', 'increase', 'grow', 'get', 'stop', 'make', 'schedule', 'capture', 'collect', 'integrate', 'connect', 'deflect', 'support', 'take', 'organize', 'find', 'save',
  'automatizar', 'responder', 'atender', 'agendar', 'marcar', 'vender', 'qualificar', 'calificar', 'organizar', 'melhorar', 'mejorar', 'aumentar', 'reduzir', 'reducir',
  'diminuir', 'disminuir', 'captar', 'integrar', 'conectar', 'enviar', 'mandar', 'tomar', 'receber', 'recibir', 'controlar', 'gerenciar', 'gestionar', 'cobrar', 'avisar',
  'ajudar', 'ayudar', 'parar', 'evitar', 'ganhar', 'ganar', 'economizar', 'ahorrar', 'contestar', 'dar', 'fazer', 'hacer', 'ter', 'tener',
])
// Not knowing, and being sent by someone: no need stated.
const NO_NEED = [
  'nao sei', 'n sei', 'nem sei', 'sei la', 'sei nao', 'faco ideia', 'faco a menor ideia', 'nem ideia', 'sem ideia', 'nao tenho ideia', 'nao faco', 'vc q sabe', 'vc que sabe',
  'voce que sabe', 'vcs que sabem', 'me indicaram', 'me indicou', 'me falaram de', 'me mandaram', 'vi o anuncio', 'vi um anuncio', 'vi no instagram', 'so curiosidade',
  "don't know", 'dont know', 'do not know', 'no idea', 'no clue', 'dunno', 'idk', 'not sure', 'you tell me', 'told me to', 'recommended you', 'saw your ad', 'saw an ad',
  'who knows', 'beats me', 'just curious', 'check you out', 'checking you out', 'check u out', 'checking u out', 'just browsing', 'just looking', 'just exploring',
  'so olhando', 'so dando uma olhada', 'dando uma olhada', 'so conhecendo', 'conhecer vcs', 'conhecer voces', 'solo mirando', 'curioseando', 'solo conociendo',
  'no se', 'nose', 'ni idea', 'no tengo idea', 'no sabria', 'no lo se', 'quien sabe', 'vos decime', 'decime vos', 'dime tu', 'tu dime', 'me recomendaron', 'me pasaron',
  'me dijeron', 'vi el anuncio', 'vi un anuncio', 'no estoy segur',
]
const NO_NEED_RE = new RegExp(`(?<![\\p{L}])(?:${anyOf(NO_NEED)})(?![\\p{L}])`, 'u')
const BUSINESS = new Set(BUSINESS_WORDS)
const PLACE_SET = new Set(PLACES)
// A job title opening the text: "head of CX", "gerente de atendimento", "dueña".
const ROLE_WORDS = /^(?:cuido|lidero|coordeno|gerencio|dirijo|coordino|superviso|administro|senior|sr|junior|jr|chief|head|lead|vp|svp|evp|director|directora|diretor|diretora|gerente|gerenta|manager|coordinator|coordenador|coordenadora|coordinador|coordinadora|jefe|jefa|chefe|supervisor|supervisora|analista|analyst|owner|dono|dona|dueno|duena|socio|socia|founder|fundador|fundadora|ceo|cto|coo|cfo|cmo|partner|presidente|presidenta|president|encarregado|encarregada|encargado|encargada|responsavel|responsable|assistente|asistente|assistant|consultor|consultora|consultant|vendedor|vendedora|broker|corretor|corretora|specialist|especialista|executive|executivo|executiva|ejecutivo|ejecutiva|administrador|administradora|secretario|secretaria|recepcionista|receptionist|tecnico|tecnica|engenheiro|engenheira|ingeniero|ingeniera|engineer|developer|desenvolvedor|programador|medico|medica|doctor|dentista|dentist|advogado|advogada|abogado|abogada|lawyer|contador|contadora|accountant|estagiario|estagiaria|intern|mecanico|mecanica|officer|representative|rep|associate|lider|gestor|gestora)\b|\b(?:manager|director|lead|head|officer|owner|coordinator|specialist|analyst|engineer|rep|executive|assistant|supervisor|administrator|partner|founder|gerente|gerenta|diretor|diretora|director|directora|coordenador|coordenadora|jefe|jefa|dono|dona|dueno|duena|socio|socia)$/

/** Whether `text`, the whole message, answering the question about `key`, is plausibly a value of that kind. */
export function fitsField (key: string, text: string): boolean {
  const value = text.trim()
  if (!isAcceptableValue(key, value)) return false
  switch (key) {
    case 'name': return fitsName(value)
    case 'company': return fitsCompany(value)
    case 'role': return fitsRole(value)
    case 'need': return fitsNeed(value)
    default: return true
  }
}

function fitsName (value: string): boolean {
  const words = wordsOf(value)
  return isNameLike(value) && !/\d/.test(value) && words.length >= 1 && words.length <= 4 &&
    !words.some((w) => SENTENCE_WORDS.has(w) || BUSINESS.has(w)) && !NO_NEED_RE.test(fold(value))
}

function fitsCompany (value: string): boolean {
  const words = wordsOf(value)
  if (words.length === 0 || words.length > 6 || NO_NEED_RE.test(fold(value)) || PLACE_SET.has(words.join(' '))) return false
  // "owner", "practice manager": a job title answered to the company question.
  if (ROLE_WORDS.test(words.join(' ')) && !words.some((w) => BUSINESS.has(w))) return false
  // "Tu Casa Inmobiliaria", "We Do Web": written as a proper noun, a pronoun inside is part of the name.
  return titleCased(value) || !looksLikeSentence(words)
}

function fitsRole (value: string): boolean {
  const words = wordsOf(value)
  if (words.length === 0 || NO_NEED_RE.test(fold(value))) return false
  if (readIntroduction(value).role !== undefined) return true
  if (ROLE_WORDS.test(words.join(' '))) return words.length <= 8 && readNeed(value) === undefined
  return words.length <= 5 && !looksLikeSentence(words) && readNeed(value) === undefined && !isTimeOrMoney(value)
}

function fitsNeed (value: string): boolean {
  if (readNeed(value) !== undefined) return true
  const f = fold(value)
  return !NO_NEED_RE.test(f) && !isTimeOrMoney(value) && wordsOf(value).length >= 1
}

function titleCased (value: string): boolean {
  const words = value.split(/\s+/).filter((w) => /\p{L}/u.test(w))
  const significant = words.filter((w) => !/^(?:de|da|do|dos|das|del|la|el|los|las|of|the|and|e|y|&)$/i.test(w))
  return significant.length > 0 && significant.every((w) => /^[\p{Lu}\d]/u.test(w))
}

function looksLikeSentence (words: readonly string[]): boolean {
  if (words.some((w) => SENTENCE_WORDS.has(w))) return true
  const first = words[0] ?? ''
  // "automate customer questions", "responder consultas…", "vendemos roupas": a verb first.
  return words.length >= 2 && !BUSINESS.has(first) &&
    (VERB_START.has(first) || /^[a-z]{3,}(?:amos|emos|imos)$/.test(first) || (words.length >= 3 && /^[a-z]{4,}(?:ar|er|ir)$/.test(first)))
}
