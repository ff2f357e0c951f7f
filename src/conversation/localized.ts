import { z } from 'zod'

/** Text per language tag ("pt-BR", "en", "es"); the playbook's language is the fallback. */
export const localized = z.record(z.string().min(2), z.string().min(1))
export type Localized = z.infer<typeof localized>
