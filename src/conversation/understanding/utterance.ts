import { anyOf, fold, plain, WORD_END, WORD_START } from './text.js'

// What kind of utterance a message is, before anything is read from it: filler, a question, an
// instruction to the bot, a refusal. A field's value is none of these.

const LAUGHTER = ['k{2,}', '(?:ha){2,}h?', '(?:he){2,}', '(?:hi){2,}', 'rs(?:rs)*', '(?:ja){2,}', '(?:je){2,}', 'lol', 'kk+', 'hue(?:hue)+']
const ACKS = [
  'ok', 'okk+', 'okay', 'okey', 'oks', 'blz', 'beleza', 'certo', 'ta', 'ta bom', 'tabom', 'ta certo', 'show', 'legal', 'otimo', 'massa', 'entendi', 'entendo',
  'uhum', 'aham', 'hum+', 'hm+', 'h+m+', 'ah', 'ah ta', 'ahh+', 'oh', 'eh', 'ue', 'opa', 'vish', 'nossa', 'tranquilo', 'fechou', 'pode ser', 'tanto faz', 'vlw', 'valeu',
  'sure', 'cool', 'fine', 'got it', 'right', 'alright', 'k', 'kk', 'yep', 'yup', 'yeah', 'yes', 'y', 'nope', 'nah', 'no', 'n', 'sim', 's', 'nao', 'si', 'claro', 'vale', 'bueno', 'dale',
  'what', 'huh', 'hein', 'que', 'como assim', 'whatever', 'nothing', 'nada', 'idk', 'dunno', 'i dont know', 'no idea', 'nao sei', 'sei la', 'sei nao', 'nem sei', 'no se', 'ni idea', 'que se yo',
  'ja falei', 'ja disse', 'eu ja disse', 'eu ja falei', 'ja te disse', 'ja te falei', 'ja respondi', 'i told you', 'i already told you', 'already told you', 'i said',
  'ya te dije', 'ya lo dije', 'ya dije', 'ya respondi', 'e agora', 'e ai', 'e entao', 'entao', 'so what now', 'what now', 'and now', 'now what', 'so', 'y ahora', 'y entonces', 'entonces',
  'obrigad[oa]', 'obg', 'brigad[oa]', 'thanks', 'thank you', 'thx', 'ty', 'gracias', 'de nada',
  'not sure', 'im not sure', 'no clue', 'tbh', 'honestly', 'you tell me', 'nao faco ideia', 'sem ideia', 'vc q me diz', 'vc que me diz', 'voce que me diz', 'me diz vc',
  'no lo se', 'no estoy segur[oa]', 'dime tu', 'tu dime', 'mm+', 'la verdad', 'sinceramente', 'honestamente', 'to be honest', 'pra ser sincer[oa]',
  'lo que (?:tu )?digas', 'como (?:tu )?quieras', 'whatever you say', 'o que (?:voce|vc) quiser', 'num sei', 'ainda nao', 'ainda', 'todavia no', 'todavia', 'not yet', 'yet',
  'whatever (?:u|you) think(?: is best)?', 'whatever works', 'lo normal', 'supongo', 'lo normal supongo', 'i guess', 'i suppose', 'acho que sim', 'creo que si',
  'appreciate (?:ya|you|it)', 'cheers mate', 'mate', 'pana', 'chamo', 'parce', 'wey', 'guey', 'mano', 'cara', 'vei', 'vey',
  'aja', 'brilliant', 'cheers', 'lovely', 'great', 'perfect', 'perfeito', 'perfecto', 'genial', 'excelente', 'awesome', 'nice', 'ok then', 'alright then',
  'anyway', 'mesmo assim', 'assim mesmo', 'de todos modos', 'de todas formas', 'igual', 'igualmente',
  // Not knowing, in any wording: "n faço ideia", "no sé bien la verdad", "honestly no clue".
  'n sei', 'nao sei dizer', 'nao sei bem', 'nao sei direito', 'nao sei ainda', 'ainda nao sei', 'sei nao viu', 'nem ideia', 'n faco ideia', 'faco ideia nao', 'nao faco a menor ideia',
  'nao tenho ideia', 'nao tenho nem ideia', 'sem nocao', 'nao faco nem ideia', 'sei la viu', 'sei la mano', 'nao sei te dizer', 'sei nao', 'to na duvida', 'nao decidi', 'nao decidi ainda',
  'no se bien', 'no sabria decir', 'no sabria', 'no tengo idea', 'no tengo ni idea', 'nose', 'no lo tengo claro', 'no se todavia', 'todavia no se', 'aun no se', 'no se aun',
  'ni idea', 'no se que decirte', 'no se que decir', 'quien sabe', 'vos decime', 'decime vos', 'vos sabras', 'tu sabras', 'usted digame', 'digame usted',
  'i dont know', 'i have no idea', 'have no idea', 'no clue', 'no idea', 'i dunno', 'dunno', 'not sure yet', 'beats me', 'hard to say', 'no clue tbh', 'not really sure',
  'havent decided', 'havent thought about it', 'not decided', 'undecided', 'who knows', 'good question', 'ask me later', 'you tell me', 'vc q sabe', 'vc que sabe', 'voce que sabe',
  // Confusion and "still there?": a reaction, not an answer.
  'nao entendi', 'nao entendo', 'n entendi', 'nao entendi nada', 'como e', 'oi', 'hein', 'ue', 'pq', 'por que', 'nao compreendi', 'ta ai', 'ta ai ainda', 'cade', 'alo',
  'no entiendo', 'no entendi', 'no comprendo', 'no te entiendo', 'como', 'como asi', 'perdon', 'perdona', 'que dices', 'estas ahi', 'sigues ahi', 'hay alguien',
  'i dont understand', 'dont understand', 'i dont get it', 'dont get it', 'what do you mean', 'wdym', 'sorry', 'pardon', 'come again', 'u there', 'you there', 'are u there',
  'r u there', 'still there', 'hello', 'anyone', 'hellooo',
  // Thanks and goodbyes, as leads type them ("brigadaa", "obgg", "valeuu" are collapsed first).
  'muito obrigad[oa]', 'obrigadao', 'brigadao', 'obg mesmo', 'valeu mesmo', 'vlw mesmo', 'flw', 'falou', 'falow', 'tmj', 'tamo junto', 'tchau', 'tchauzinho', 'xau', 'ate mais',
  'ate logo', 'ate breve', 'abraco', 'abracos', 'abs', 'bjs', 'beijos', 'bj', 'boa semana', 'bom fim de semana', 'perfeito', 'top', 'joia', 'show de bola', 'demais', 'otimo',
  'mil gracias', 'muchas gracias', 'muchisimas gracias', 'gracias igual', 'gracias de todas formas', 'chau', 'chao', 'ciao', 'adios', 'hasta luego', 'hasta pronto', 'nos vemos',
  'saludos', 'perfecto', 'genial', 'listo', 'entendido', 'de acuerdo', 'buenisimo', 'barbaro', 'joya', 'por nada',
  'thx a lot', 'thanks a ton', 'ty so much', 'thank you so much', 'thank you very much', 'obrigado mesmo', 'gracias de verdad', 'bye', 'bye bye', 'goodbye', 'good bye', 'see ya', 'see you', 'cya', 'later', 'thanks a lot', 'thanks so much', 'thank u', 'thanku', 'tysm', 'many thanks', 'cheers',
  'np', 'no problem', 'no worries', 'great', 'awesome', 'nice', 'perfect', 'ok cool', 'sounds good', 'will do', 'noted', 'understood', 'makes sense', 'ah ok', 'oh ok', 'i see',
]
const GREETINGS = [
  'oi+', 'ola', 'ola tudo bem', 'oi tudo bem', 'tudo bem', 'tudo bom', 'e ai', 'eae', 'alo', 'bom dia', 'boa tarde', 'boa noite', 'hi', 'hey', 'hello', 'helo', 'hiya', 'yo',
  'good morning', 'good afternoon', 'good evening', 'hola', 'buenas', 'buenos dias', 'buenas tardes', 'buenas noches', 'que tal', 'alguem ai', 'anyone there', 'hay alguien',
  'are you there', 'ta ai', 'tem alguem ai', 'estas ahi',
]
// Regex alternations (not plain phrases): laughter and "okk", "hmmm" are patterns.
const FILLER_UNIT = `(?:${[...LAUGHTER, ...ACKS, ...GREETINGS].sort((a, b) => b.length - a.length).map((p) => p.replace(/ /g, '\\s+')).join('|')})`
const FILLER = new RegExp(`^${FILLER_UNIT}(?:\\s+${FILLER_UNIT})*$`, 'u')
const GREETING = new RegExp(`^(?:${GREETINGS.map((p) => p.replace(/ /g, '\\s+')).join('|')})(?:\\s+(?:${GREETINGS.map((p) => p.replace(/ /g, '\\s+')).join('|')}))*$`, 'u')

/** Nothing but acknowledgement, laughter, yes/no, "I told you", a greeting, emoji or punctuation. */
export function isFiller (text: string): boolean {
  const p = plain(text).replace(/'/g, '')
  return p === '' || FILLER.test(p) || FILLER.test(collapseRepeats(p))
}

/**
 * Letters typed over and over, as chat stretches a word: "valeuuu" → "valeu", "brigadaa" →
 * "brigada", "obgg" → "obg", "byee" → "bye". Three or more become one; a doubled last letter one.
 */
export function collapseRepeats (text: string): string {
  return text.replace(/(\p{L})\1{2,}/gu, '$1').replace(/(\p{L})\1(?![\p{L}])/gu, '$1')
}

/** A greeting alone: "oi", "bom dia!", "hola, buenas tardes". */
export function isGreeting (text: string): boolean {
  const p = plain(text)
  return p !== '' && GREETING.test(p)
}

const QUESTION_WORDS = [
  // pt-BR
  'quanto', 'quantos', 'quantas', 'qto', 'qnto', 'qnt', 'qual', 'quais', 'como', 'quando', 'onde', 'aonde', 'o que', 'oque', 'por que', 'quem', 'sera que', 'e se',
  'voces', 'vcs', 'vc', 'voce', 'tem', 'tem como', 'existe', 'existem', 'da pra', 'da para', 'e possivel', 'posso', 'pode', 'podem', 'consegue', 'conseguem',
  'funciona', 'aceita', 'aceitam', 'integra', 'integram', 'serve', 'me diz', 'me diga', 'me fala', 'me explica', 'me conta', 'me manda', 'me passa',
  'quero saber', 'queria saber', 'gostava de saber', 'gostaria de saber', 'i was wondering', 'wondering if', 'quisiera saber', 'queria preguntar', 'gostaria de entender', 'quero entender', 'preciso saber', 'queria entender', 'to querendo saber', 'estou querendo saber',
  'tenho uma duvida', 'uma duvida', 'duvida', 'me interessa saber', 'queria entender',
  // en
  'how', 'what', 'whats', "what's", 'when', 'where', 'which', 'who', 'why', 'do you', 'do u', 'does', 'did', 'can you', 'can i', 'can we', 'could you', 'could i',
  'would you', 'will you', 'is it', 'is there', 'are you', 'are there', 'have you', 'do they', 'i would like to know', "i'd like to know", 'id like to know', 'i want to know',
  'i wanna know', 'tell me', 'i was wondering', 'wondering', 'any chance', 'quick question', 'question', 'any', 'what about', 'how about',
  // es
  'cuanto', 'cuantos', 'cuantas', 'cual', 'cuales', 'cuando', 'donde', 'que', 'por que', 'quien', 'tienen', 'tiene', 'hay', 'pueden', 'puedo', 'se puede', 'es posible',
  'funcionan', 'aceptan', 'integran', 'me gustaria saber', 'quiero saber', 'quisiera saber', 'necesito saber', 'me dices', 'me puedes', 'me podrias', 'una pregunta', 'pregunta',
]
// "que bom!", "que legal": an exclamation, not a question.
const QUESTION_START = new RegExp(`^(?:${anyOf(QUESTION_WORDS)})${WORD_END}(?!\\s+(?:bom|legal|otimo|bacana|massa|pena|bueno|bien|bonito|lindo|interessante|interesante|show)\\b)`, 'u')
// A topic alone ("preço?", "pricing", "e os valores") asks about it.
const TOPIC_ALONE = /^(?:(?:e|and|y)\s+(?:o|a|os|as|the|el|la|los|las)\s+)?(?:preco|precos|valor|valores|pricing|price|prices|precio|precios|custo|custos|cost|costs|costo|plano|planos|plans|planes|mensalidade|desconto|descontos|discount|discounts|descuento|descuentos)$/u
// What may open a question without being its first word ("oi, quanto custa"); "what", "que" may not be skipped.
const OPENERS = [...GREETINGS, ...ACKS.filter((a) => !/^(?:what|huh|hein|que|como|como assim|como asi|como e|por que|pq|ue|cade|so|entao|e agora|e ai|e entao|y ahora|y entonces|entonces|and now|now what|what now|so what now)$/.test(a))]
const LEADING_FILLER = new RegExp(`^(?:(?:${OPENERS.sort((a, b) => b.length - a.length).map((p) => p.replace(/ /g, '\\s+')).join('|')})[\\s,.!]+)+`, 'u')

/** A question to the bot: a sentence ending in "?", or opening with a question word or a wish to know. */
export function isQuestion (text: string): boolean {
  if (/\?\s*[\p{So}\p{Sk}\s]*$/u.test(text.trim()) || /\?\s+\S/u.test(text)) return true
  return sentences(fold(text)).some((s) => {
    const bare = s.replace(LEADING_FILLER, '').trim()
    return QUESTION_START.test(bare) || TOPIC_ALONE.test(bare)
  })
}

function sentences (text: string): string[] {
  return text.split(/[.!?;\n]+/).map((s) => s.replace(/[^\p{L}\p{N}'\s,]/gu, ' ').replace(/\s+/g, ' ').trim()).filter((s) => s !== '')
}

const INSTRUCTION_NOUNS = '(?:instructions?|instrucoes|instrucao|instrucciones|instruccion|rules|regras|reglas|prompts?|directions|directives|guidelines|diretrizes|directrices|ordens|ordenes|comandos|commands|context|contexto|programming|programacao|programacion)'
const INSTRUCTION_PATTERNS = [
  `\\b(?:ignore|ignora|ignorar|ignorem|disregard|forget|esqueca|esquece|esquecer|desconsidere|desconsidera|olvida|olvide|olvidar|override|bypass|skip)\\s+(?:all\\s+|todas?\\s+|todo\\s+|tudo\\s+|everything\\s+)?(?:of\\s+)?(?:the\\s+|your\\s+|my\\s+|these\\s+|as\\s+|os\\s+|suas\\s+|seus\\s+|tuas\\s+|las\\s+|los\\s+|tus\\s+|sus\\s+)?(?:previous\\s+|prior\\s+|above\\s+|earlier\\s+|preceding\\s+|original\\s+|system\\s+|anteriores\\s+|previas\\s+)?${INSTRUCTION_NOUNS}`,
  '\\b(?:ignore|disregard|forget)\\s+(?:all\\s+)?(?:previous|prior|above|everything\\s+(?:above|before))\\b',
  '\\b(?:ignore|ignora|ignorar|esqueca|esquece|olvida|olvide|forget|disregard)\\s+(?:tudo|todo|everything)\\s+(?:o\\s+|lo\\s+)?(?:que\\s+|that\\s+)?(?:foi\\s+dito|te\\s+disseram|te\\s+falaram|te\\s+dijeron|te\\s+dije|anterior|acima|antes|you\\s+were\\s+told|above|before)',
  '\\byou\\s+are\\s+now\\b', '\\bfrom\\s+now\\s+on,?\\s+you\\b', '\\byou\\s+must\\s+now\\b', '\\bnew\\s+instructions?\\b', '\\bsystem\\s+prompt\\b',
  '\\b(?:reveal|show|print|repeat)\\s+(?:me\\s+)?(?:your|the)\\s+(?:system\\s+)?(?:prompt|instructions)', '\\bdeveloper\\s+mode\\b', '\\bjailbreak', '\\bdo\\s+anything\\s+now\\b',
  '(?:^|[.!\\n]\\s*|\\b(?:please|now|you|pls)\\s+)(?:act|behave)\\s+as\\b', '\\bpretend\\s+(?:to\\s+be|you\\s+are|that)\\b', '\\broleplay\\s+as\\b',
  '\\bvoce\\s+agora\\s+e\\b', '\\bagora\\s+voce\\s+e\\b', '\\ba\\s+partir\\s+de\\s+agora,?\\s+(?:voce|vc)\\b', '(?:^|[.!\\n]\\s*|\\b(?:agora|por favor)\\s+)(?:aja|atue|se\\s+comporte)\\s+como\\b',
  '\\bfinja\\s+(?:ser|que)\\b', '\\bnovas\\s+instrucoes\\b', '\\b(?:mostre|revele|repita)\\s+(?:o\\s+)?seu\\s+prompt', '\\bprompt\\s+do\\s+sistema\\b',
  '\\bahora\\s+eres\\b', '\\ba\\s+partir\\s+de\\s+ahora,?\\s+(?:eres|tu|vas)\\b', '(?:^|[.!\\n]\\s*|\\b(?:ahora|por favor)\\s+)(?:actua|comportate)\\s+como\\b',
  '\\bfinge\\s+(?:ser|que)\\b', '\\bnuevas\\s+instrucciones\\b',
  '(?:^|\\n)\\s*(?:system|assistant|developer|sistema)\\s*:', '</?\\s*(?:system|lead_message|assistant|user|instructions?|prompt|im_start|im_end)\\s*>', '\\[/?(?:system|inst)\\]', '<\\|im_(?:start|end)\\|>',
  '^\\s*#{2,}\\s*(?:instruction|system|new|nov[ao]s?|nuev[ao]s?|rules|regras|reglas|comando|command|prompt|override|admin)',
  '<<\\s*/?\\s*sys\\s*>>', '</?s>', '\\[/?(?:inst|sys|system_prompt)\\]', '<\\|(?:system|user|assistant|endoftext|begin_of_text|start_header_id|end_header_id|eot_id)\\|>',
  '(?:^|\\n)\\s*(?:user|human|usuario|ai|bot|model)\\s*:\\s*\\S.*\\n\\s*(?:assistant|ai|bot|model|sistema|system)\\s*:',
  '\\b(?:new|novo|nova|novos|novas|nuevo|nueva|nuevos|nuevas)\\s+(?:command|commands|comando|comandos|rules|regras|reglas|orders|ordens|ordenes|directive|diretiva|directiva|persona|role|papel|rol)\\s*(?::|->|=>|=|—)',
  '\\bfrom\\s+now\\s+on,?\\s+(?:you|u|only|always|never|reply|respond|answer|act|talk|speak|write|say|ignore|forget)\\b',
  '\\b(?:a\\s+partir\\s+de\\s+agora|de\\s+agora\\s+em\\s+diante|daqui\\s+pra\\s+frente),?\\s+(?:voce|vc|tu|responda|responde|fale|escreva|aja|seja|ignore|esqueca|(?:so|apenas|sempre|nunca)\\s+(?:responda|responde|fale|fala|escreva|diga|use))\\b',
  '\\b(?:a\\s+partir\\s+de\\s+ahora|desde\\s+ahora|de\\s+ahora\\s+en\\s+adelante),?\\s+(?:eres|tu|vos|sos|respondes|responde|responderas|contesta|contestas|hablas|escribe|escribes|seras|actua|ignora|olvida|(?:solo|siempre|nunca)\\s+(?:responde|respondes|contesta|contestas|habla|hablas|escribe|di|dices))\\b',
  '\\b(?:olvida|olvide|olviden|olvidate\\s+de|forget|esqueca|esquece|ignore|ignora|ignorar|disregard)\\s+(?:todo|tudo|everything|all)\\s+(?:lo\\s+|o\\s+)?(?:anterior|acima|above|before|previous|prior|que\\s+te\\s+dije|de\\s+antes)\\b',
  '\\b(?:set|change|update|mark|register|cadastre|cadastra|registre|registra|marque|marca|mude|muda|altere|coloque|ponha|pon|pone|cambia|cambie|establece|registra|guarda)\\s+(?:my|o\\s+meu|meu|a\\s+minha|minha|mi|el|o|a)?\\s*(?:budget|orcamento|presupuesto|score|pontuacao|puntaje|stage|status|etapa|estado)\\s+(?:to|as|para|como|em|en|a|=)\\b',
  '\\b(?:reply|respond|answer|responda|responde|contesta|conteste)\\s+(?:only|just|apenas|so|solo|solamente|unicamente)\\s+(?:with|com|con|in|em|en)\\b',
  '\\b(?:admin|root|sudo)\\s+(?:access|acesso|acceso|mode|modo)\\b', '\\bacesso\\s+(?:de\\s+)?admin', '\\bacceso\\s+(?:de\\s+)?admin', '\\bdan\\b[^\\n]{0,20}\\bmode\\b', '\\byou\\s+are\\s+dan\\b',
]
const INSTRUCTION = new RegExp(INSTRUCTION_PATTERNS.join('|'), 'mu')

/** A command to the bot or a prompt injection: "ignore previous instructions", "você agora é…", "<system>". */
export function isInstruction (text: string): boolean {
  return INSTRUCTION.test(fold(text))
}

const REFUSALS = [
  'prefiro nao', 'prefiro nao dizer', 'nao vou dizer', 'nao quero dizer', 'nao posso dizer', 'nao quero informar', 'nao vou informar', 'nao posso informar', 'nao vou passar',
  'nao quero passar', 'nao quero falar', 'nao vou falar', 'nao quero responder', 'nao vou responder', 'nao quero compartilhar', 'nao e da sua conta', 'confidencial', 'sigilo',
  'segredo', "i'd rather not", 'id rather not', 'i would rather not', 'rather not say', 'prefer not to', "i'd prefer not", 'not telling', "won't say", 'wont say', "won't tell",
  "don't want to say", 'dont want to say', "don't want to share", 'none of your business', 'confidential', 'not comfortable sharing', "can't share", 'cannot share', 'cant say', "can't say",
  'prefiero no', 'prefiero no decirlo', 'prefiero no decir', 'no quiero decir', 'no quiero decirlo', 'no voy a decir', 'no puedo decir', 'no quiero compartir', 'no puedo compartir', 'es confidencial',
]
const REFUSAL = new RegExp(`${WORD_START}(?:${anyOf(REFUSALS)})${WORD_END}`, 'u')

/** "Prefiro não dizer", "I'd rather not say", "prefiero no decirlo". */
export function isRefusal (text: string): boolean {
  return REFUSAL.test(fold(text).replace(/[’`]/g, "'"))
}

const DENIALS = [
  'nenhum', 'nenhuma', 'nada', 'none', 'nothing', 'no one', 'nobody', 'ninguno', 'ninguna', 'nadie', 'n/a', 'n a', 'na', 'nao se aplica', 'not applicable', 'no aplica', 'no tengo', 'nao tenho',
  "i don't have", 'i dont have', 'not yet', 'ainda nao', 'todavia no', 'aun no', 'sem', 'no',
]
const DENIAL_ALONE = new RegExp(`^(?:${anyOf(DENIALS)})$`, 'u')
const NO_COMPANY = [
  'nao tenho empresa', 'nao tenho uma empresa', 'nao tenho negocio', 'sem empresa', 'nenhuma empresa', 'nao trabalho', 'nao estou trabalhando', 'desempregado', 'desempregada',
  'sou estudante', 'estudante', 'sou autonomo', 'sou autonoma', 'autonomo', 'autonoma', 'pessoa fisica', 'freelancer', 'freela', 'particular', 'para mim mesmo', 'pra mim mesmo', 'uso pessoal',
  "i don't have a company", 'i dont have a company', "don't have a company", 'no company', 'not a company', "i don't work", 'unemployed', 'student', "i'm a student", 'self employed',
  'self-employed', 'just me', 'personal use', 'for myself', 'no tengo empresa', 'no tengo una empresa', 'sin empresa', 'ninguna empresa', 'no trabajo', 'desempleado', 'desempleada',
  'soy estudiante', 'estudiante', 'independiente', 'uso personal',
]
const NO_COMPANY_RE = new RegExp(`${WORD_START}(?:${anyOf(NO_COMPANY)})${WORD_END}`, 'u')

/** "Não tenho empresa", "I'm a student", "no company": the lead says there is no company to name. */
export function deniesCompany (text: string): boolean {
  return NO_COMPANY_RE.test(fold(text).replace(/[’`]/g, "'"))
}

/** "nenhum", "none", "n/a", "ninguno": an answer that says there is nothing. */
export function isDenial (text: string): boolean {
  return DENIAL_ALONE.test(plain(text).replace(/\s+/g, ' ')) || DENIAL_ALONE.test(fold(text).trim().replace(/[.!]+$/, ''))
}

// Words that are never (part of) a person's name: what "I'm …" / "sou …" introduces when it is not one.
export const NOT_NAME_WORDS = new Set([
  'ignore', 'ignora', 'interested', 'interessado', 'interessada', 'interesado', 'interesada', 'obrigado', 'obrigada', 'thanks', 'gracias', 'hello', 'hola', 'oi', 'ola',
  'sim', 'nao', 'yes', 'no', 'si', 'ok', 'teste', 'test', 'testing', 'quero', 'preciso', 'want', 'need', 'looking', 'procurando', 'buscando', 'estudante', 'student', 'estudiante',
  'cliente', 'customer', 'client', 'empresa', 'company', 'nenhum', 'none', 'ninguno', 'bot', 'robot', 'robo', 'humano', 'human', 'system', 'sistema', 'assistant', 'admin',
  'user', 'usuario', 'the', 'a', 'an', 'o', 'um', 'uma', 'el', 'un', 'una', 'from', 'with', 'in', 'at', 'not', 'just', 'very', 'so', 'here', 'aqui',
  'good', 'fine', 'bem', 'bien', 'happy', 'glad', 'sorry', 'new', 'novo', 'nova', 'nuevo', 'nueva', 'writing', 'calling', 'reaching', 'trying', 'working', 'curious', 'curioso',
  'curiosa', 'responsavel', 'responsable', 'dono', 'dona', 'owner', 'ceo', 'cto', 'gerente', 'manager', 'diretor', 'diretora', 'director', 'founder', 'socio', 'socia',
  'vendedor', 'vendedora', 'analista', 'coordenador', 'coordenadora', 'consultor', 'consultora', 'desempregado', 'autonomo', 'freelancer', 'particular', 'brasileiro', 'brasileira',
  'voce', 'you', 'your', 'seu', 'sua', 'tu', 'su', 'eu', 'i', 'me', 'yo', 'agora', 'now', 'ahora', 'name', 'nome', 'nombre', 'anonymous', 'anonimo', 'anonima', 'prefiro', 'prefer',
  'prefiero', 'nobody', 'ninguem', 'nadie', 'someone', 'alguem', 'alguien', 'whatever', 'qualquer', 'null', 'undefined', 'forget', 'esqueca', 'olvida', 'disregard', 'please',
  'por', 'favor', 'also', 'tambem', 'tambien', 'still', 'ainda', 'todavia', 'currently', 'atualmente', 'actualmente', 'only', 'so', 'solo', 'apenas', 'really', 'muito', 'muy',
  'contato', 'contact', 'contacto', 'vendas', 'sales', 'ventas', 'marketing', 'comercial', 'suporte', 'support', 'soporte', 'atendimento', 'time', 'team', 'equipo', 'equipe',
])

const NOT_A_VALUE = (text: string): boolean =>
  isFiller(text) || isQuestion(text) || isInstruction(text) || isRefusal(text) || isGreeting(text) || isDenial(text)

/** Whether `value` can be stored as the lead's `key` (name, company, need…): not filler, a question, a command, a refusal or a denial. */
export function isAcceptableValue (key: string, value: string): boolean {
  const text = value.trim()
  if (text === '' || text.length > 500 || NOT_A_VALUE(text)) return false
  if (key === 'name') return isNameLike(text)
  if (key === 'company') return !deniesCompany(text) && text.split(/\s+/).length <= 8
  if (key === 'email') return /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/.test(text)
  if (key === 'phone') return (text.match(/\d/g)?.length ?? 0) >= 8
  return true
}

/** A person's name: letters only, at most five words, none of them a word that is never a name. */
export function isNameLike (text: string): boolean {
  if (/[\d@#/\\<>{}[\]_=+*|$%&?!:;]/u.test(text)) return false
  const words = fold(text).split(/[\s.,]+/).filter((w) => w !== '')
  return words.length >= 1 && words.length <= 5 && text.length <= 60 &&
    words.every((w) => /^[\p{L}'’-]+$/u.test(w)) && !words.some((w) => NOT_NAME_WORDS.has(w))
}
