/**
 * Group commit inside one server process (ADR 138): writes that arrive while a batch commits wait in
 * a queue and are written together by the next batch, in one transaction (one fsync for all of them).
 * Each item is answered on its own: `write` returns one result per item, an `Error` for an item that
 * failed alone; when the whole batch fails, every item of it gets that error.
 *
 * Used by petition signing and ballot casting; the batch's SQL stays in the owning module.
 */
export interface Queued<R> {
  resolve: (result: R) => void
  reject: (error: unknown) => void
}

export interface WriteQueue<T> {
  /** Queues `item`; it is written by the next batch. */
  add: (item: T) => void
  /** Batches written and items in them (benchmarks, tests). */
  stats: () => { batches: number; items: number }
}

export function writeQueue<R, T extends Queued<R>>(write: (batch: T[]) => Promise<Array<R | Error>>, maxBatch = 500): WriteQueue<T> {
  const queue: T[] = []
  let flushing = false
  const stats = { batches: 0, items: 0 }

  async function flush() {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch)
        try {
          const results = await write(batch)
          stats.batches++
          stats.items += batch.length
          batch.forEach((item, i) => {
            const r = results[i]!
            if (r instanceof Error) item.reject(r)
            else item.resolve(r)
          })
        } catch (error) {
          for (const item of batch) item.reject(error)
        }
      }
    } finally {
      flushing = false
    }
  }

  return {
    add(item) {
      queue.push(item)
      if (!flushing) {
        flushing = true
        // Let this event-loop turn's other requests join the batch.
        setImmediate(() => void flush())
      }
    },
    stats: () => ({ ...stats }),
  }
}
