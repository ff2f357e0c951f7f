import { anyOf, fold, foldAligned } from './text.js'
import { isTimeOrMoney } from './time-or-money.js'
import { isFiller, isInstruction, isQuestion } from './utterance.js'

// What the lead wants to solve: "preciso automatizar o atendimento no WhatsApp" → "automatizar o
// atendimento no WhatsApp". A request to the bot (price, a person, a demo, to stop) is no need.

const NEED_CUES = [
  'preciso de', 'preciso', 'precisamos de', 'precisamos', 'quero', 'queremos', 'queria', 'gostaria de', 'gostariamos de', 'estou procurando', 'estamos procurando', 'procuro',
  'procuramos', 'busco', 'buscamos', 'estamos buscando', 'estou buscando', 'nosso problema e que', 'meu problema e que', 'o problema e que', 'nosso problema e', 'meu problema e', 'o problema e', 'nossa dor e', 'nosso objetivo e', 'o objetivo e',
  'tenho interesse em', 'temos interesse em', 'ajuda para', 'ajuda pra', 'ajuda com', 'a ideia e', 'nossa ideia e',
  'a gente quer', 'a gnt quer', 'a gente precisa de', 'a gente precisa', 'a gnt precisa', 'quero que', 'queremos que',
  // A problem stated as it is: the words after the cue are the need ("we keep missing patient messages").
  'perdemos', 'estamos perdendo', 'a gente perde', 'nao conseguimos', 'nao damos conta de', 'nao damos conta', 'temos muitos', 'recebemos',
  'we keep', 'we get', 'we cant', "we can't", 'we cannot', "we're missing", 'we are missing', 'we miss', 'we lose', "we're losing", 'we are losing',
  'estamos perdiendo', 'no damos abasto con', 'no damos abasto', 'no podemos', 'tenemos muchos', 'recibimos',
  // Spoken: "é o seguinte a gente recebe muita mensagem…", "lo que pasa es que…", "the thing is…".
  'e o seguinte', 'o negocio e o seguinte', 'o lance e que', 'acontece que', 'a gente recebe', 'a gnt recebe', 'a gente tem muito', 'a gente tem muita', 'a gente nao consegue',
  'a gente nao da conta', 'lo que pasa es que', 'el tema es que', 'lo que necesitamos es', 'lo que queremos es', 'lo que buscamos es', 'what we need is', 'what we want is',
  'the thing is', 'the issue is', 'our issue is', 'o que a gente precisa e', 'o que a gente quer e', 'o que precisamos e', 'o que queremos e',
  'we need to', 'we need', 'i need to', 'i need', 'need to', 'need', 'we want to', 'we want', 'i want to', 'i want', "we'd like to", "i'd like to", 'we would like to', 'i would like to',
  "we're looking for", 'we are looking for', "i'm looking for", 'i am looking for', 'looking for', "we're looking to", 'we are looking to', 'looking to', "we're trying to",
  'we are trying to', 'trying to', 'our problem is that', 'the problem is that', 'our problem is', 'the problem is', 'our goal is', 'the goal is', 'help with', 'help us', 'struggling with', 'struggling to',
  'necesito', 'necesitamos', 'quiero', 'queremos', 'quisiera', 'quisieramos', 'me gustaria', 'nos gustaria', 'buscamos', 'busco', 'estamos buscando', 'estoy buscando',
  'nuestro problema es que', 'el problema es que', 'nuestro problema es', 'el problema es', 'nuestro objetivo es', 'tenemos problemas con', 'tenemos problemas para', 'ayuda para', 'ayuda con',
]
// Requests to the bot, not needs: to know, to talk, to book, to stop.
const REQUESTS = [
  'saber', 'entender', 'conhecer', 'falar', 'conversar', 'agendar', 'marcar', 'uma demo', 'um demo', 'demo', 'uma demonstracao', 'demonstracao', 'receber', 'cancelar',
  'parar', 'o preco', 'preco', 'precos', 'o valor', 'valores', 'um orcamento', 'orcamento', 'informacoes', 'mais informacoes', 'informacao', 'ver', 'testar', 'contratar', 'comprar',
  'que voce', 'que voces', 'que vcs', 'que alguem', 'que me', 'um atendente', 'um humano', 'alguem', 'ser atendido', 'apagar', 'excluir', 'descadastrar',
  'know', 'talk', 'speak', 'chat', 'schedule', 'book', 'a demo', 'see a demo', 'a quote', 'pricing', 'the price', 'price', 'prices', 'learn more', 'more info', 'more information',
  'information', 'unsubscribe', 'stop', 'a human', 'someone', 'somebody', 'a person', 'buy', 'purchase', 'sign up', 'try', 'you to', 'to know', 'to talk', 'to speak',
  'to schedule', 'to book', 'to buy', 'to unsubscribe', 'to stop', 'to see',
  'hablar', 'agendar', 'una demo', 'una demostracion', 'una cotizacion', 'cotizacion', 'el precio', 'precio', 'precios', 'mas informacion', 'informacion', 'recibir', 'conocer',
  'alguien', 'un humano', 'un asesor', 'que me', 'que usted', 'que ustedes', 'darme de baja', 'comprar', 'probar',
]
const NEGATION_BEFORE = /(?:^|\s)(?:nao|no|not|don't|dont|do not|doesn't|nunca|never|ya no|nem)\s+(?:\S+\s+)?$/
const CUE = new RegExp(`(?<![\\p{L}])(?:${anyOf(NEED_CUES)})(?![\\p{L}])\\s*`, 'gu')
// A customer's own errand, not a business need: "reschedule my appointment", "remarcar minha consulta".
const PERSONAL_ERRAND = '(?:reschedule|cancel|move|change|book|confirm|check|remarcar|reagendar|desmarcar|cancelar|mudar|marcar|confirmar|cambiar|mover|reprogramar|anular)\\s+(?:my|minha|meu|mi|mis|minhas|meus|the|a|o|la|el)\\s+(?:appointment|appt|consulta|cita|horario|reserva|reservation|booking|order|pedido|turno|visit|visita|exame|examen|entrega|delivery)'
// "quero sair" is leaving; "quero sair do Excel" is a need.
const REQUEST = new RegExp(`^(?:a\\s+|to\\s+|de\\s+|em\\s+)?(?:${anyOf(REQUESTS)}|${PERSONAL_ERRAND}|sair(?:\\s+(?:da|dessa|desta|de)\\s+(?:sua\\s+)?(?:lista|base|newsletter|grupo|cadastro|mailing))?(?!\\s+d[aoe]))(?![\\p{L}])`, 'u')
// Too vague to be a need: "preciso de ajuda", "I need something".
const VAGUE = /^(?:uma |um |some |una |un )?(?:ajuda|help|ayuda|algo|something|isso|this|that|eso|esto|informacao|info|uma coisa|a thing|una cosa|voces|vcs|you|ustedes)$/
const TAIL = /[\s,;:]*(?:,?\s*(?:por favor|please|pls|obrigad[oa]|thanks|gracias|valeu))?[\s.!,;:]*$/iu

/** The need the lead states, as they wrote it after "preciso", "we need to", "necesitamos"… */
export function readNeed (text: string): string | undefined {
  if (isInstruction(text)) return undefined
  const original = text.normalize('NFC')
  for (const sentence of sentencesOf(original)) {
    const need = needIn(sentence)
    if (need !== undefined) return need
  }
  return undefined
}

function sentencesOf (text: string): string[] {
  return text.split(/(?<=[.!?;])\s+|\n+/).map((s) => s.trim()).filter((s) => s !== '' && !s.endsWith('?'))
}

function needIn (sentence: string): string | undefined {
  const folded = foldAligned(sentence).replace(/[’`]/g, "'")
  for (const m of folded.matchAll(CUE)) {
    if (NEGATION_BEFORE.test(folded.slice(0, m.index))) continue
    const start = m.index + m[0].length
    const rest = sentence.slice(start).replace(TAIL, '').trim()
    // "we need to" keeps its verb ("qualify leads faster"), "preciso de" its object ("um CRM").
    // "preciso pra já", "necesito unos 2 mil": a timeline or a budget, not what to solve.
    if (rest.length < 3 || REQUEST.test(fold(rest)) || VAGUE.test(fold(rest)) || isQuestion(rest) || isFiller(rest) || isTimeOrMoney(rest)) continue
    return rest.length > 200 ? `${rest.slice(0, 200).replace(/\s+\S*$/, '')}…` : rest
  }
  return undefined
}
