// docs/configuration.md is generated from the schema's descriptions (npm run docs:config): a
// setting added, removed or re-described in src/config.ts without regenerating the page fails here.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CONFIG_DOC_PATH, renderConfigDocs } from '../../scripts/config-docs.js'
import { REQUIRED_IN_PROD, configVariables, envSchema, envSections } from '../../src/config.js'

const page = readFileSync(CONFIG_DOC_PATH, 'utf8')

describe('docs/configuration.md', () => {
  it('is what `npm run docs:config` writes from the schema now', () => {
    // On failure: run `npm run docs:config` (or `npx tsx scripts/config-docs.ts`) and commit the page.
    expect(page).toBe(renderConfigDocs())
  })

  it('has one row per setting, each with a description, and every setting is in a section', () => {
    const rows = [...page.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| [^|]+ \| (.+) \|$/gm)]
    expect(rows.map((r) => r[1]).sort()).toEqual([...configVariables].sort())
    for (const [, name, text] of rows) expect(text?.trim().length, name).toBeGreaterThan(15)
    const sectioned = envSections.flatMap((s) => Object.keys(s.settings))
    expect(sectioned.sort()).toEqual(Object.keys(envSchema.shape).sort())
  })

  it('shows the defaults the schema applies and marks what prod requires', () => {
    expect(page).toMatch(/^\| `APP_PORT` \| `8000` \|/m)
    expect(page).toMatch(/^\| `DEDUPE_TTL_SECONDS` \| `300` \|/m)
    expect(page).toMatch(/^\| `REDIS_URL` \| unset \|/m)
    expect(page).toMatch(/^\| `APP_HOST` \| 127\.0\.0\.1, or 0\.0\.0\.0 when NODE_ENV=production \|/m)
    for (const name of Object.keys(REQUIRED_IN_PROD)) expect(page).toMatch(new RegExp(`^\\| \`${name}\` .*\\*\\*Required in prod\\.\\*\\* \\|$`, 'm'))
  })
})
