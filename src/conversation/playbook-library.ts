import { PlaybookError, type Playbook } from './playbook.js'

// Several playbooks, one per Chatwoot inbox (several personas or products), and a default for
// every other inbox. Pure: building and choosing, no files (playbook-source.ts reads and reloads).

export interface PlaybookEntry {
  /** The file it came from, relative to PLAYBOOK_PATH's folder: how logs and errors name it. */
  readonly file: string
  readonly playbook: Playbook
}

export interface PlaybookLibrary {
  readonly entries: readonly PlaybookEntry[]
  /** The playbook without `inboxes`: it answers every inbox no other playbook names. */
  readonly fallback: Playbook
  readonly byInbox: ReadonlyMap<number, Playbook>
}

/**
 * Checks that the playbooks fit together: exactly one default (no `inboxes`), and no inbox named by
 * two playbooks. Throws a PlaybookError listing every problem.
 */
export function buildLibrary (entries: readonly PlaybookEntry[], source: string): PlaybookLibrary {
  const problems: string[] = []
  const defaults = entries.filter((e) => e.playbook.inboxes.length === 0)
  if (entries.length === 0) problems.push('no playbook file (.yaml, .yml or .json) found')
  else if (defaults.length === 0) problems.push('no default playbook: exactly one playbook must leave out `inboxes`')
  else if (defaults.length > 1) problems.push(`${defaults.length} default playbooks (${defaults.map((e) => e.file).join(', ')}): exactly one may leave out \`inboxes\``)
  const byInbox = new Map<number, Playbook>()
  const owner = new Map<number, string>()
  for (const e of entries) {
    for (const inbox of e.playbook.inboxes) {
      const first = owner.get(inbox)
      if (first !== undefined && first !== e.file) problems.push(`inbox ${inbox} is claimed by both ${first} and ${e.file}`)
      else {
        owner.set(inbox, e.file)
        byInbox.set(inbox, e.playbook)
      }
    }
  }
  const fallback = defaults[0]?.playbook
  if (problems.length > 0 || fallback === undefined) throw new PlaybookError(source, problems)
  return { entries, fallback, byInbox }
}

/** A library of one playbook (tests, the terminal sandbox), whatever inboxes it names. */
export function singlePlaybook (playbook: Playbook): PlaybookLibrary {
  return { entries: [{ file: '(given)', playbook }], fallback: playbook, byInbox: new Map() }
}

/** The playbook of a conversation's inbox; the default when the inbox is unknown or not named. */
export function choosePlaybook (library: PlaybookLibrary, inboxId: number | undefined): Playbook {
  return (inboxId !== undefined ? library.byInbox.get(inboxId) : undefined) ?? library.fallback
}
