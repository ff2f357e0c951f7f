// Telltale words of the three languages as leads type them on WhatsApp: folded (lower case, no
// accents) and with the usual abbreviations. A word belongs to one list only: a word that pt-BR and
// Spanish share ("como", "empresa", "claro") or that English shares ("me", "to", "do", "no") tells
// nothing and stays out, or goes to ROMANCE when it at least rules English out. The unit tests check
// that no word sits in two lists.

export type Base = 'pt' | 'en' | 'es'

const words = (list: string): string[] => list.split(/\s+/).filter((w) => w !== '')

export const TELLTALE: Record<Base, readonly string[]> = {
  pt: words(`
    oi oie ola opa eai ai bom boa boas noite manha amanha hoje ontem cedo agora ainda depois ja logo entao
    obrigado obrigada obrigadao brigado brigada brigadao obg valeu vlw blz beleza flw falou tmj tchau abraco abs
    tudo td bem muito muita muitos muitas mto mt mais pouco tambem tb tbm talvez sim nao n nn ne pq pfv pfvr
    voce voces vc vcs eu ele ela eles elas meu minha meus minhas seu sua seus suas nosso nossa dele dela
    isso isto esse essa desse dessa nesse nessa aquele aquilo um uma uns umas num numa na nas da das dos
    ao aos pelo pela pra pras e  os ou com sem ate apos sobre qual quais quem onde quando quanto quanta
    quantos quantas  coisa pessoal galera pessoa pessoas alguem ninguem
    quero queria quer preciso precisamos precisa posso pode podem tenho tem temos tens estou estao sou vou
    vai faz fazer faco fazem falar fala falo ligar liga ligo chamo chama chamar gostaria gosto acho sei
    entendo consigo  recebi receber olha olhada trabalho trabalhamos trampo procurando testar teste
     fica ficam ficar sair sai pare chega tira tire abrem atende atendem atendimento ta tava tou
    preco custa mensalidade desconto cartao  parcela loja lojas  funcionarios vendas suporte
    integracao cidade certo certeza perfeito otimo massa bacana  fechado bora demais 
    duvida pergunta segunda terca quarta quinta sexta nome zap wpp mensagem robo atendente vaga vagas
    emprego estagio faculdade estudante estudo escola demonstracao  reuniao proposta orcamento
    implantacao prazo brasil portugues melhor melhorar ajuda ajudar interesse  tempo chefe dono
    aceita aceitam dona diretora diretor responsavel padaria roupas roupa ligacao ali   
  `),
  en: words(`
    hi hello hey hiya morning afternoon evening night good great nice cool awesome sure maybe yes yeah yep
    nope thanks thank thx ty please pls plz sorry cheers mate sup wassup whatsup
    the an and or i im i'm id i'd ill i'll ive i've you u ur your you're youre we we're were our us my
    is are am be been was it its it's this that these those there here what whats what's when where which
    who why how does did dont don't doesnt doesn't didnt  cant can't can could would should will wont
    won't have has had havent haven't not just with without for from at in on of about more much many
    some any all now later tomorrow today yesterday price pricing cost free trial book meet meeting
    talk speak someone somebody anyone person human stop unsubscribe send text message work job hiring student school
    company team people sales help know think let lets let's check see look looking tell say want wanna
    gonna need like get got go idk dunno wdym btw asap  np omg also too yet deal sounds makes sense
    thing things already another tool boss asked open saturday decided works better guys based long setup
    take invoices support english clinics call connect integrate integration mobile expensive discounts
    take credit card pay yearly prices mine small bakery run own store handle purchasing manager student
    project offer internships openings resume partner details  back again  list interested
    exactly number wrong right       
    probably   automate boost reps  
  `),
  es: words(`
    hola holaa buenas buenos buena bueno buen buenisimo noche manana ayer hoy ahora luego despues ya todavia
    gracias grax porfa xfa xq tmb tambien muy mucho mucha muchos muchas bien si quizas quiza listo dale
    tranqui perfecto entonces aca alla ahi eso esto ese esa esos esas che oye mira miren
    el la los las lo del al un una uno unos unas y mi mis su sus nuestro nuestra usted ustedes vos sos eres
    es soy son hay con sin pero hasta cual cuales quien quienes donde cuando cuanto cuanta cuantos cuantas
    cosa nadie alguien persona personas
    quiero quiere quieres quisiera necesito necesitamos necesita puedo puede pueden  tengo tiene tienen
    tenemos tienes hago hacer hace hacen hablar hablo habla escribir escribas escribeme escribime escribirme
    deja dejen mandame mandes pasame pasas enviame borren borrar interesa gusta gustaria gusto entiendo
    estoy estan va   llamo llama llamas llamame llamar llamada llamen llaman dicen decime dime creo ayuda ayudar
    precio precios cuesta tarjeta  pesos descuento prueba    sirve
    nombre correo mensaje mensajes recibir tienda tiendas  empleados ventas compras encargado dueno
    duena jefe asesor reunion cita demostracion presentacion propuesta factura soporte espanol mexico
    ciudad trabajo trabajamos trabajar trabaja empleo vacantes vacante practicas  
    estudiante estudio facultad escuela mejorar mejor atencion implementacion tarda  
    acepta aceptan jueves viernes lunes martes miercoles  pienso abren atienden emiten integran
  `),
}

// Words pt-BR and Spanish share but English has not: half a point to each, enough to tell a Romance
// "no entendi" from English once Spanish's own "no" is counted.
export const ROMANCE = words(`
  entendi como para por que q todo toda todos todas empresa claro genial obvio tranquilo excelente
  mas menos algo nada vez tal gente vamos podemos queremos somos estamos esta estas este tarde dia mes
  sabe usando uso usamos buscando explicar explica pensar  horario agendar marcar mandar manda
  enviar ver caro barato gratis gratuito gratuita plano planos valor mensal anual celular sistema
  funciona integra conecta conectar pagar abrir socio  gerente comercial agencia clinica clinicas
  cliente clientes sabado domingo numero humano curriculo contrato fiscal   respondo
  automatizar  desde entre aqui
`)

// Half a point: each is a word elsewhere too, but mostly of this language in a short chat message.
export const WEAK: Record<Base, readonly string[]> = {
  pt: words('o'),
  en: words(''),
  es: words(''),
}

/** A bare yes/no/ok tells nothing: leads mirror the bot ("sim" to a Spanish bot) and loan these words. */
export const ACKNOWLEDGEMENTS = new Set(words('ok okay okey k sim nao yes si no'))

/** Laughter and emoticons in letters: "kkkk" and "jaja" are national, but a reaction is no switch. */
export const LAUGHTER = /^(?:k{3,}|(?:ha){2,}h?|(?:ja){2,}j?|(?:he){2,}h?|(?:je){2,}j?|(?:rs){2,}|(?:hue){2,}|lol|lmao|xd|hmm+|ah+|oh+|uhum|aham)$/
