import { describe, expect, it } from 'vitest'
import { writeQueue, type Queued } from './write-queue'

interface Item extends Queued<string> {
  value: number
}

const ask = (q: { add: (item: Item) => void }, value: number) => new Promise<string>((resolve, reject) => q.add({ value, resolve, reject }))

describe('writeQueue (group commit in one process)', () => {
  it('writes what arrives in one event-loop turn as one batch and answers each item', async () => {
    const batches: number[][] = []
    const q = writeQueue<string, Item>(async (batch) => {
      batches.push(batch.map((b) => b.value))
      return batch.map((b) => `ok ${b.value}`)
    })
    const answers = await Promise.all([1, 2, 3].map((v) => ask(q, v)))
    expect(answers).toEqual(['ok 1', 'ok 2', 'ok 3'])
    expect(batches).toEqual([[1, 2, 3]])
    expect(q.stats()).toEqual({ batches: 1, items: 3 })
  })

  it('splits at maxBatch and queues what arrives during a write for the next batch', async () => {
    const batches: number[][] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const q = writeQueue<string, Item>(async (batch) => {
      batches.push(batch.map((b) => b.value))
      if (batches.length === 1) await gate
      return batch.map(() => 'ok')
    }, 2)
    const first = [1, 2, 3].map((v) => ask(q, v))
    await new Promise((r) => setImmediate(r))
    const late = ask(q, 4)
    release()
    await Promise.all([...first, late])
    expect(batches).toEqual([
      [1, 2],
      [3, 4],
    ])
  })

  it('rejects only the item whose result is an Error, and the whole batch when the write throws', async () => {
    let fail = false
    const q = writeQueue<string, Item>(async (batch) => {
      if (fail) throw new Error('disk full')
      return batch.map((b) => (b.value === 2 ? new Error('bad row') : 'ok'))
    })
    const results = await Promise.allSettled([1, 2, 3].map((v) => ask(q, v)))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    fail = true
    const all = await Promise.allSettled([4, 5].map((v) => ask(q, v)))
    expect(all.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['disk full', 'disk full'])
    expect(q.stats()).toEqual({ batches: 1, items: 3 })
  })

  it('with two lanes, what arrives while a batch is written starts at once on the other lane; a third waits for a free one', async () => {
    const batches: Array<{ values: number[]; lane: number }> = []
    const gates: Array<() => void> = []
    const q = writeQueue<string, Item>(
      async (batch, lane) => {
        batches.push({ values: batch.map((b) => b.value), lane })
        await new Promise<void>((r) => gates.push(r))
        return batch.map((b) => `ok ${b.value} on ${lane}`)
      },
      500,
      () => 2,
    )
    const first = [1, 2].map((v) => ask(q, v))
    await new Promise((r) => setImmediate(r))
    const second = ask(q, 3)
    await new Promise((r) => setImmediate(r))
    const third = [4, 5].map((v) => ask(q, v))
    await new Promise((r) => setImmediate(r))
    // two batches in flight, the third waiting for a lane
    expect(batches).toEqual([
      { values: [1, 2], lane: 0 },
      { values: [3], lane: 1 },
    ])
    gates[1]!()
    expect(await second).toBe('ok 3 on 1')
    await new Promise((r) => setImmediate(r))
    expect(batches[2]).toEqual({ values: [4, 5], lane: 1 })
    gates[0]!()
    gates[2]!()
    expect(await Promise.all([...first, ...third])).toEqual(['ok 1 on 0', 'ok 2 on 0', 'ok 4 on 1', 'ok 5 on 1'])
    expect(q.stats()).toEqual({ batches: 3, items: 5 })
  })
})
