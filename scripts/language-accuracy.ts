// `npx tsx scripts/language-accuracy.ts`: scores language detectors on short chat messages
// (test/fixtures/language/*.json): per language, the share of labelled messages named right; on
// neutral messages ("ok", "👍", "2", an e-mail), the share where the detector says it cannot tell.
// Ours and the telltale count scripted-brain.ts had before issue #13 (frozen below: that file now
// calls ours) always run; npm detectors run when installed, e.g.
//   npm install --no-save franc-min tinyld eld languagedetect cld3-asm lande
// Every candidate is restricted to pt-BR, English and Spanish.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { languageOf } from '../src/conversation/language.js'

type Lang = 'pt-BR' | 'en' | 'es'
export interface Sample { text: string, lang: Lang | null }
/** A detector: one of our tags, or undefined for "cannot tell". */
type Detect = (text: string) => Lang | undefined

const LANGS: readonly Lang[] = ['pt-BR', 'en', 'es']
const FIXTURES = fileURLToPath(new URL('../test/fixtures/language/', import.meta.url))

export function loadCorpus (name: string): Sample[] {
  return JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8')) as Sample[]
}

const fromIso = (code: string | undefined): Lang | undefined => {
  switch (code) {
    case 'pt': case 'por': case 'portuguese': return 'pt-BR'
    case 'en': case 'eng': case 'english': return 'en'
    case 'es': case 'spa': case 'spanish': return 'es'
    default: return undefined
  }
}

// The detector of scripted-brain.ts at 758ea29, as it was: the most telltale words, or the fallback.
const OLD_EMAIL = /[^\s@<>(),;:]{1,64}@[^\s@<>(),;:]{1,255}\.[a-z]{2,24}/gi
const OLD_WORDS: Record<Lang, RegExp> = {
  'pt-BR': /\b(voce|voces|obrigad[oa]|nao|sim|quero|preciso|empresa|que|ola|oi|tudo|bem|meu|minha|para|com|uma|estou|trabalho|gostaria|tenho|pra|vcs|da|do)\b/g,
  en: /\b(the|i|you|my|is|what|hello|hi|hey|want|need|thanks|thank|company|and|how|we|our|work|with|please|yes|name|to|talk|speak|can|would|like|human|about|information|unsubscribe|of|at|from|for|are|this)\b/g,
  es: /\b(hola|quiero|quisiera|gracias|mi|es|que|usted|tengo|necesito|nosotros|el|la|los|las|del|y|con|un|una|trabajo|empresa|buenos|buenas|por favor|somos|soy|llamo|hablar|puedo|cuanto|cuesta)\b/g,
}
const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase()
function previousDetectLanguage (text: string): Lang | undefined {
  const folded = fold(text.replace(OLD_EMAIL, ' ').replace(/\bhttps?:\/\/\S+|\bwww\.\S+/gi, ' '))
  const scores = LANGS.map((lang) => ({ lang, score: folded.match(OLD_WORDS[lang])?.length ?? 0 })).sort((a, b) => b.score - a.score)
  const [first, second] = scores
  if (first === undefined || first.score === 0 || first.score === second?.score) return undefined
  const words = folded.split(/\s+/).filter((w) => w !== '').length
  return first.score >= 2 || words <= 3 ? first.lang : undefined
}

// Optional packages: imported by a name held in a variable, so the typecheck passes without them.
async function optional (name: string): Promise<any> {
  try {
    return await import(name)
  } catch {
    return undefined
  }
}

async function candidates (): Promise<Array<[string, Detect | undefined]>> {
  const franc = await optional('franc-min')
  const tinyld = await optional('tinyld')
  const eld = (await optional('eld/small'))?.eld
  eld?.setLanguageSubset(['pt', 'en', 'es'])
  const eldLarge = (await optional('eld/large'))?.eld
  eldLarge?.setLanguageSubset(['pt', 'en', 'es'])
  const tinyldHeavy = await optional('tinyld/heavy')
  const LanguageDetect = (await optional('languagedetect'))?.default
  const languagedetect = LanguageDetect === undefined ? undefined : new LanguageDetect()
  const cld3 = await (await optional('cld3-asm'))?.loadModule()
  const cld = cld3?.create(0, 1000)
  const lande = (await optional('lande'))?.default
  const firstOurs = (codes: string[]): Lang | undefined => codes.map(fromIso).find((l) => l !== undefined)
  return [
    ['ours (language.ts)', (t) => languageOf(t, LANGS) as Lang | undefined],
    ['before: telltale count', previousDetectLanguage],
    ['franc-min (minLength 10)', franc && ((t) => fromIso(franc.franc(t, { only: ['por', 'eng', 'spa'] })))],
    ['franc-min (minLength 1)', franc && ((t) => fromIso(franc.franc(t, { only: ['por', 'eng', 'spa'], minLength: 1 })))],
    ['tinyld', tinyld && ((t) => fromIso(tinyld.detect(t, { only: ['pt', 'en', 'es'] })))],
    ['tinyld heavy', tinyldHeavy && ((t) => fromIso(tinyldHeavy.detect(t, { only: ['pt', 'en', 'es'] })))],
    ['eld small', eld && ((t) => fromIso(eld.detect(t).language))],
    ['eld large', eldLarge && ((t) => fromIso(eldLarge.detect(t).language))],
    ['eld small (reliable only)', eld && ((t) => { const r = eld.detect(t); return r.isReliable() ? fromIso(r.language) : undefined })],
    ['languagedetect', languagedetect && ((t) => firstOurs(languagedetect.detect(t).map((r: [string, number]) => r[0])))],
    ['cld3-asm (reliable only)', cld && ((t) => { const r = cld.findLanguage(t); return r.is_reliable ? fromIso(r.language) : undefined })],
    ['cld3-asm (top of ours)', cld && ((t) => firstOurs(cld.findMostFrequentLanguages(t, 20).map((r: { language: string }) => r.language)))],
    ['lande', lande && ((t) => firstOurs(lande(t).map((r: [string, number]) => r[0])))],
  ]
}

/** perLang: named right; wrong: labelled messages named as another language (worse than silence). */
export interface Score { perLang: Record<Lang, number>, wrong: number, neutral: number, microseconds: number }

export function score (detect: Detect, corpus: readonly Sample[]): Score {
  for (const s of corpus) detect(s.text) // warm up, so the first candidate is not timed cold
  const started = process.hrtime.bigint()
  const results = corpus.map((s) => ({ s, got: detect(s.text) }))
  const microseconds = Number(process.hrtime.bigint() - started) / 1000 / corpus.length
  const rate = (samples: typeof results, ok: (r: (typeof results)[number]) => boolean) => samples.filter(ok).length / Math.max(1, samples.length)
  const perLang = Object.fromEntries(LANGS.map((l) => [l, rate(results.filter((r) => r.s.lang === l), (r) => r.got === l)])) as Record<Lang, number>
  const wrong = rate(results.filter((r) => r.s.lang !== null), (r) => r.got !== undefined && r.got !== r.s.lang)
  return { perLang, wrong, neutral: rate(results.filter((r) => r.s.lang === null), (r) => r.got === undefined), microseconds }
}

export function misses (detect: Detect, corpus: readonly Sample[]): string[] {
  return corpus.flatMap((s) => {
    const got = detect(s.text) ?? null
    return got === s.lang ? [] : [`${JSON.stringify(s.text)}: ${s.lang ?? 'null'} → ${got ?? 'null'}`]
  })
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7)

async function main (): Promise<void> {
  const sets = ['short-messages.json', 'short-messages-holdout.json']
  const all = await candidates()
  for (const file of sets) {
    const corpus = loadCorpus(file)
    const count = (l: Lang | null) => corpus.filter((s) => s.lang === l).length
    process.stdout.write(`\n${file}: pt-BR ${count('pt-BR')}, en ${count('en')}, es ${count('es')}, neutral ${count(null)}\n`)
    process.stdout.write(`${'candidate'.padEnd(28)}   pt-BR      en      es    wrong  neutral  µs/msg\n`)
    for (const [name, detect] of all) {
      if (detect === undefined) { process.stdout.write(`${name.padEnd(28)} (not installed)\n`); continue }
      const s = score(detect, corpus)
      process.stdout.write(`${name.padEnd(28)} ${LANGS.map((l) => pct(s.perLang[l])).join(' ')}  ${pct(s.wrong)}  ${pct(s.neutral)} ${s.microseconds.toFixed(1).padStart(7)}\n`)
    }
    if (process.argv.includes('--misses')) {
      const ours = all[0]?.[1]
      if (ours !== undefined) for (const line of misses(ours, corpus)) process.stdout.write(`  miss ${line}\n`)
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
