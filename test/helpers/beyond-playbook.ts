import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// The default playbook with business hours (São Paulo, weekdays 09:00–18:00), two follow-ups
// (2 h, then 24 h) and a 30-minute handoff watchdog with a holding message: written to a temp file
// for PLAYBOOK_PATH.

export const FOLLOW_UP_1 = 'Oi, ainda por aí? (lembrete 1)'
export const FOLLOW_UP_2 = 'Última mensagem minha por aqui (lembrete 2)'
export const HOLDING = 'Nosso time já foi avisado e te responde em breve (espera)'

const EXTRA = `
business_hours:
  time_zone: America/Sao_Paulo
  weekly:
    mon: ["09:00-18:00"]
    tue: ["09:00-18:00"]
    wed: ["09:00-18:00"]
    thu: ["09:00-18:00"]
    fri: ["09:00-18:00"]
  holidays: ["2026-12-25"]
follow_ups:
  business_hours_only: true
  steps:
    - after_minutes: 120
      text: { pt-BR: "${FOLLOW_UP_1}" }
    - after_minutes: 1440
      text: { pt-BR: "${FOLLOW_UP_2}" }
handoff_watchdog:
  after_minutes: 30
  holding_message: { pt-BR: "${HOLDING}" }
`

export function writeBeyondPlaybook (): string {
  const base = readFileSync(new URL('../../playbooks/default.yaml', import.meta.url), 'utf8')
  const file = join(mkdtempSync(join(tmpdir(), 'sdr-playbook-')), 'playbook.yaml')
  writeFileSync(file, `${base}\n${EXTRA}`)
  return file
}

/** Monday 2026-11-30, 10:00 in São Paulo (UTC-3): inside business hours. */
export const MONDAY_10H = Date.parse('2026-11-30T13:00:00Z')
/** The same Monday, 20:00 in São Paulo: after hours. */
export const MONDAY_20H = Date.parse('2026-11-30T23:00:00Z')
export const MINUTE = 60_000
