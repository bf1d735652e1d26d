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

/**
 * `lanes`: how many batches may be written at once (read when a batch is about to start; default 1).
 * With more than one, the items that arrive while a batch is written start the next batch at once on a
 * free lane instead of waiting for that batch's end; `write` gets the lane (0 … lanes − 1) it runs on,
 * and batches start in the order their items arrived. The caller sees to it that a batch written beside
 * another gives the same answers as one written after it (ADR 157: petition signing on PostgreSQL).
 */
export function writeQueue<R, T extends Queued<R>>(write: (batch: T[], lane: number) => Promise<Array<R | Error>>, maxBatch = 500, lanes: () => number = () => 1): WriteQueue<T> {
  const queue: T[] = []
  const busy: boolean[] = []
  let scheduled = false
  const stats = { batches: 0, items: 0 }

  async function flush(lane: number) {
    try {
      while (queue.length > 0) {
        const batch = queue.splice(0, maxBatch)
        try {
          const results = await write(batch, lane)
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
      busy[lane] = false
    }
  }

  /** Starts a batch on each free lane while items wait. */
  function start() {
    scheduled = false
    const n = Math.max(1, Math.trunc(lanes()))
    for (let lane = 0; lane < n && queue.length > 0; lane++) {
      if (busy[lane]) continue
      busy[lane] = true
      void flush(lane)
    }
  }

  return {
    add(item) {
      queue.push(item)
      if (!scheduled && busy.filter(Boolean).length < Math.max(1, Math.trunc(lanes()))) {
        scheduled = true
        // Let this event-loop turn's other requests join the batch.
        setImmediate(start)
      }
    },
    stats: () => ({ ...stats }),
  }
}
