import { describe, expect, it } from 'vitest'
import { repeating, type JobContext } from './jobs.server'

const errors: unknown[] = []
const ctx = { log: { error: (o: unknown) => errors.push(o) } as unknown as JobContext['log'], config: {} as JobContext['config'] }
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  expect(check()).toBe(true)
}

describe('repeating', () => {
  it('runs first after firstMs then every everyMs, never twice at once, logs failures, and stop waits for the run', async () => {
    let runs = 0
    let inFlight = 0
    let most = 0
    let release: (() => void) | null = null
    const stop = repeating(
      ctx,
      async () => {
        runs++
        inFlight++
        most = Math.max(most, inFlight)
        if (runs === 2) await new Promise<void>((r) => (release = r))
        inFlight--
        if (runs === 3) throw new Error('disk full')
      },
      { firstMs: 0, everyMs: 5, failure: 'test job failed' },
    )
    await until(() => release !== null)
    // Ticks while run 2 hangs are skipped, not stacked.
    await new Promise((r) => setTimeout(r, 30))
    expect(runs).toBe(2)
    release!()
    await until(() => errors.length === 1)
    expect(most).toBe(1)
    await stop()
    const after = runs
    await new Promise((r) => setTimeout(r, 30))
    expect(runs).toBe(after)
  })
})
