import { describe, expect, it } from 'vitest'
import { oneAtATime, type ReloadOutcome } from '../../src/conversation/playbook-source.js'

/** A reload that resolves only when the test says, counting its runs. */
function heldReload () {
  const releases: Array<(o: ReloadOutcome) => void> = []
  let runs = 0
  const run = async (): Promise<ReloadOutcome> => {
    runs++
    return await new Promise<ReloadOutcome>((resolve) => releases.push(resolve))
  }
  return { run, runs: () => runs, release: (o: ReloadOutcome) => releases.shift()?.(o) }
}

const settle = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

describe('oneAtATime (playbook reloads)', () => {
  it('runs once when called alone', async () => {
    const held = heldReload()
    const reload = oneAtATime(held.run)
    const p = reload()
    held.release('ok')
    expect(await p).toBe('ok')
    expect(held.runs()).toBe(1)
  })

  it('does not overlap: a call during a run joins it and makes it read once more, with the last outcome for all', async () => {
    const held = heldReload()
    const reload = oneAtATime(held.run)
    const first = reload()
    const second = reload()
    const third = reload()
    await settle()
    expect(held.runs()).toBe(1)
    held.release('unchanged')
    await settle()
    // The calls seen during the first run are read by one more run, not two.
    expect(held.runs()).toBe(2)
    held.release('ok')
    expect(await Promise.all([first, second, third])).toEqual(['ok', 'ok', 'ok'])
    expect(held.runs()).toBe(2)
  })

  it('starts afresh after a run ended', async () => {
    const held = heldReload()
    const reload = oneAtATime(held.run)
    const first = reload()
    held.release('unchanged')
    expect(await first).toBe('unchanged')
    const second = reload()
    held.release('refused')
    expect(await second).toBe('refused')
    expect(held.runs()).toBe(2)
  })
})
