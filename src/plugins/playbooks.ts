import fp from 'fastify-plugin'
import type { Playbook } from '../conversation/playbook.js'
import { singlePlaybook } from '../conversation/playbook-library.js'
import { openPlaybookSource, type PlaybookSource } from '../conversation/playbook-source.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The playbooks in force (PLAYBOOK_PATH, reloaded when it changes). */
    playbooks: PlaybookSource
    /** The default playbook, as of now. */
    playbook: Playbook
  }
}

export interface PlaybooksPluginOptions {
  /** One fixed playbook for every inbox, instead of PLAYBOOK_PATH (never reloaded). */
  readonly playbook?: Playbook | undefined
}

export default fp<PlaybooksPluginOptions>(async (app, opts) => {
  const playbooks = opts.playbook !== undefined
    ? fixedPlaybook(opts.playbook)
    : await openPlaybookSource({
      path: app.config.bot.playbookPath,
      log: app.log,
      onReload: (outcome) => app.metrics.playbookReloads.inc({ outcome }),
    })
  app.addHook('onClose', async () => playbooks.close())
  app.decorate('playbooks', playbooks)
  app.decorate('playbook', { getter: () => playbooks.library().fallback })
}, { name: 'playbooks', dependencies: ['metrics'], decorators: { fastify: ['config', 'metrics'] } })

function fixedPlaybook (playbook: Playbook): PlaybookSource {
  const library = singlePlaybook(playbook)
  return { library: () => library, forInbox: () => playbook, reload: async () => 'unchanged', close: () => {} }
}
