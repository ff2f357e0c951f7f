import { createHash } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildLibrary, choosePlaybook, type PlaybookEntry, type PlaybookLibrary } from './playbook-library.js'
import { DEFAULT_PLAYBOOK_URL, parsePlaybook, PlaybookError, type Playbook } from './playbook.js'
import { spokenLanguages, untranslatedTexts } from './playbook-languages.js'

// PLAYBOOK_PATH (a file, or a folder of playbooks) read at start and again whenever it changes, so
// the sales team's edit reaches the next reply without a restart. A turn takes its playbook once,
// when it starts, so a reload never changes the script in the middle of an answer. A bad edit is
// refused with an error log line listing its problems, and the last good playbook keeps answering.

export interface PlaybookSource {
  /** The playbooks in force now. */
  library (): PlaybookLibrary
  /** The playbook of an inbox (the default for an unknown or unnamed one), as of now. */
  forInbox (inboxId: number | undefined): Playbook
  /** Reads the files again (the watcher and the poll call this); `unchanged` when nothing differs. */
  reload (): Promise<ReloadOutcome>
  close (): void
}

export type ReloadOutcome = 'ok' | 'refused' | 'unchanged'

export interface PlaybookSourceLogger {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface PlaybookSourceOptions {
  /** A playbook file or a folder of them; default playbooks/default.yaml. */
  readonly path?: string | undefined
  readonly log: PlaybookSourceLogger
  /** Told of every reload that changed something or was refused (a metric). */
  readonly onReload?: (outcome: 'ok' | 'refused') => void
  /** Quiet time after a change event before reading: an editor's save is several events. */
  readonly debounceMs?: number
  /**
   * A re-read every so often besides the watcher, which misses changes on some file systems
   * (network and some container mounts); 0 turns it off.
   */
  readonly pollMs?: number
  /** false: read once, never again (a fixed script). */
  readonly watch?: boolean
}

const PLAYBOOK_FILE = /^[^.].*\.(ya?ml|json)$/i

interface FileText { readonly file: string, readonly text: string }

/** The playbook files under `path`: itself when it is a file, else its *.yaml|*.yml|*.json in name order. */
async function readTexts (path: string): Promise<{ dir: string, texts: FileText[] }> {
  const info = await stat(path)
  if (!info.isDirectory()) return { dir: dirname(path), texts: [{ file: basename(path), text: await readFile(path, 'utf8') }] }
  const names = (await readdir(path)).filter((n) => PLAYBOOK_FILE.test(n)).sort()
  const texts: FileText[] = []
  for (const file of names) {
    try {
      texts.push({ file, text: await readFile(join(path, file), 'utf8') })
    } catch (err) {
      // Gone between the listing and the read (an editor saving by rename): the next event reads it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err
    }
  }
  return { dir: path, texts }
}

const fingerprint = (texts: readonly FileText[]): string =>
  createHash('sha256').update(JSON.stringify(texts.map((t) => [t.file, t.text]))).digest('hex')

const versions = (library: PlaybookLibrary) => library.entries.map((e) => ({ file: e.file, version: e.playbook.version, inboxes: e.playbook.inboxes }))

function problemsOf (err: unknown): string[] {
  if (err instanceof PlaybookError) return err.problems
  return [err instanceof Error ? err.message : String(err)]
}

/**
 * A text missing one of the playbook's `languages` does not stop it: leads in that language are
 * answered in the playbook's own (no reply mixes two), and the log says what to translate.
 */
function warnUntranslated (entry: PlaybookEntry, log: PlaybookSourceOptions['log']): void {
  const gaps = untranslatedTexts(entry.playbook)
  if (gaps.length === 0) return
  log.warn({ file: entry.file, untranslated: gaps, answeredIn: spokenLanguages(entry.playbook) }, 'Playbook texts missing a language: leads in it are answered in the languages every text has')
}

/** What a source's reloads share. */
interface SourceState {
  readonly path: string
  readonly opts: PlaybookSourceOptions
  /** The playbooks in force. */
  current: PlaybookLibrary
  /** What the last read found (the texts' fingerprint, or `unreadable:<code>`): the same again is no change. */
  seen: string
}

/**
 * Reads the playbooks; throws a PlaybookError listing every problem when they are not all good (a
 * bad script stops the start). Then watches them until close().
 */
export async function openPlaybookSource (opts: PlaybookSourceOptions): Promise<PlaybookSource> {
  const path = opts.path ?? fileURLToPath(DEFAULT_PLAYBOOK_URL)
  const first = await readTexts(path)
  const entries = parseAll(first.texts, path)
  for (const e of entries) warnUntranslated(e, opts.log)
  const state: SourceState = { path, opts, current: buildLibrary(entries, path), seen: fingerprint(first.texts) }
  const reload = oneAtATime(async () => await reloadNow(state))
  const reloadQuietly = (): void => {
    reload().catch((err: unknown) => opts.log.error({ err }, 'Playbook reload failed'))
  }
  const stopWatching = opts.watch !== false ? watchPlaybooks(first.dir, opts, reloadQuietly) : () => {}
  return {
    library: () => state.current,
    forInbox: (inboxId) => choosePlaybook(state.current, inboxId),
    reload,
    close: stopWatching,
  }
}

/** Every file parsed, or a PlaybookError listing the problems of all of them (at start, all must be good). */
function parseAll (texts: readonly FileText[], path: string): PlaybookEntry[] {
  const entries: PlaybookEntry[] = []
  const problems: string[] = []
  for (const t of texts) {
    try {
      entries.push({ file: t.file, playbook: parsePlaybook(t.text, t.file) })
    } catch (err) {
      problems.push(...problemsOf(err).map((p) => `${t.file}: ${p}`))
    }
  }
  if (problems.length > 0) throw new PlaybookError(path, problems)
  return entries
}

interface Refused { readonly file: string, readonly problems: string[] }

/** Each file on its own: a broken file keeps its last good version (if it had one); the others still reload. */
function parseEachKeepingGood (texts: readonly FileText[], current: PlaybookLibrary): { next: PlaybookEntry[], refused: Refused[] } {
  const next: PlaybookEntry[] = []
  const refused: Refused[] = []
  for (const t of texts) {
    try {
      next.push({ file: t.file, playbook: parsePlaybook(t.text, t.file) })
    } catch (err) {
      refused.push({ file: t.file, problems: problemsOf(err) })
      const kept = current.entries.find((e) => e.file === t.file)
      if (kept !== undefined) next.push(kept)
    }
  }
  return { next, refused }
}

async function reloadNow (s: SourceState): Promise<ReloadOutcome> {
  const { path, opts } = s
  let texts: FileText[]
  try {
    texts = (await readTexts(path)).texts
  } catch (err) {
    // Said once per cause: the poll finds the same missing file every few seconds.
    const key = `unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`
    if (key === s.seen) return 'unchanged'
    s.seen = key
    opts.log.error({ path: basename(path), problems: problemsOf(err) }, 'Playbook reload refused: the last good playbook stays in force')
    opts.onReload?.('refused')
    return 'refused'
  }
  const print = fingerprint(texts)
  if (print === s.seen) return 'unchanged'
  s.seen = print
  const { next, refused } = parseEachKeepingGood(texts, s.current)
  let library: PlaybookLibrary
  try {
    library = buildLibrary(next, basename(path))
  } catch (err) {
    opts.log.error({ path: basename(path), problems: [...refused.flatMap((r) => r.problems.map((p) => `${r.file}: ${p}`)), ...problemsOf(err)] }, 'Playbook reload refused: the last good playbooks stay in force')
    opts.onReload?.('refused')
    return 'refused'
  }
  return adopt(s, library, refused)
}

/** Puts the new library in force and says what changed and what was refused. */
function adopt (s: SourceState, library: PlaybookLibrary, refused: readonly Refused[]): ReloadOutcome {
  const { log, onReload } = s.opts
  const before = versions(s.current)
  const after = versions(library)
  for (const e of library.entries) if (!s.current.entries.some((c) => c.playbook.version === e.playbook.version)) warnUntranslated(e, log)
  s.current = library
  for (const r of refused) {
    log.error({ file: r.file, problems: r.problems, kept: s.current.entries.find((e) => e.file === r.file)?.playbook.version ?? null }, 'Playbook edit refused: the last good version stays in force')
  }
  if (refused.length > 0) onReload?.('refused')
  if (JSON.stringify(before) !== JSON.stringify(after)) {
    log.info({ playbooks: after, previous: before }, 'Playbooks reloaded')
    onReload?.('ok')
    return 'ok'
  }
  return refused.length > 0 ? 'refused' : 'unchanged'
}

/** One reload at a time; a change seen during one is read by another right after it. */
export function oneAtATime (reloadNow: () => Promise<ReloadOutcome>): () => Promise<ReloadOutcome> {
  let running: Promise<ReloadOutcome> | undefined
  let again = false
  return async (): Promise<ReloadOutcome> => {
    if (running !== undefined) {
      again = true
      return running
    }
    running = (async () => {
      let outcome: ReloadOutcome
      do {
        again = false
        outcome = await reloadNow()
      } while (again)
      return outcome
    })()
    try {
      return await running
    } finally {
      running = undefined
    }
  }
}

/** Reloads on a change in `dir` (debounced) and every poll; returns what stops it. */
function watchPlaybooks (dir: string, opts: PlaybookSourceOptions, reloadQuietly: () => void): () => void {
  const { log } = opts
  let watcher: FSWatcher | undefined
  let debounce: NodeJS.Timeout | undefined
  let poll: NodeJS.Timeout | undefined
  const debounceMs = opts.debounceMs ?? 250
  // The folder, not the file: an editor that saves by writing a new file and renaming it over the
  // old one (vim, most IDEs, Kubernetes ConfigMaps) replaces the file a file watch would follow.
  try {
    watcher = watch(dir, { persistent: false }, () => {
      clearTimeout(debounce)
      debounce = setTimeout(reloadQuietly, debounceMs)
      debounce.unref()
    })
    watcher.on('error', (err) => log.warn({ err }, 'Playbook watch failed; changes are still read every poll'))
  } catch (err) {
    log.warn({ err }, 'Playbook folder cannot be watched; changes are read every poll')
  }
  const pollMs = opts.pollMs ?? 5000
  if (pollMs > 0) {
    poll = setInterval(reloadQuietly, pollMs)
    poll.unref()
  }
  return () => {
    watcher?.close()
    clearTimeout(debounce)
    clearInterval(poll)
  }
}
