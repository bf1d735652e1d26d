/**
 * The one streaming exporter: a file of any size (CSV, JSON, GeoJSON …) as a stream of text read
 * one keyset page per pull. Nothing is read ahead (highWaterMark 0): a page is fetched only when
 * the consumer has taken the previous one, and the HTTP layer pipes with backpressure, so memory
 * holds a page or two whatever the size and no cursor stays open between pages (other requests
 * run in between). Used by open data, the council's report export and the published ballot list.
 * A page that fails mid-file is logged (what was exported, how far it got) before the stream
 * errors: the person's download merely stops, so the log is where the failure shows.
 */
import type { SelectQueryBuilder, StringReference } from 'kysely'
import { logger } from './logger.server'

export interface PagedExport<K> {
  /** What is exported, for the log when a page fails (e.g. `opendata:reports.csv`). */
  name?: string
  /** The key before the first row (e.g. 0, -Infinity, undefined). */
  start: K
  /** Text before the first page: a CSV header, a JSON document's opening. */
  head?: () => string
  /**
   * The page after `after`: its text, the key to continue after, and whether it was the last
   * (a short page). A page may be empty text and not the last (every row filtered out).
   */
  page: (after: K) => Promise<{ text: string; next: K; last: boolean }>
  /** Text after the last page: closing brackets. */
  tail?: () => string
}

export function pagedExport<K>(spec: PagedExport<K>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let after = spec.start
  let started = false
  let done = false
  let pages = 0
  let bytes = 0
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          if (!started) {
            started = true
            const head = spec.head?.() ?? ''
            if (head) {
              const chunk = encoder.encode(head)
              bytes += chunk.byteLength
              return controller.enqueue(chunk)
            }
          }
          if (done) return controller.close()
          let out = ''
          // Pages whose rows all fall away give no text: read on until there is some, or the end.
          while (!out && !done) {
            const page = await spec.page(after)
            pages++
            after = page.next
            out = page.text
            if (page.last) {
              done = true
              out += spec.tail?.() ?? ''
            }
          }
          if (out) {
            const chunk = encoder.encode(out)
            bytes += chunk.byteLength
            controller.enqueue(chunk)
          }
          if (done) controller.close()
        } catch (error) {
          logger().error({ err: error, export: spec.name ?? 'unnamed', pages, bytes, after: String(after) }, 'streaming export failed mid-file')
          controller.error(error)
        }
      },
    },
    { highWaterMark: 0 },
  )
}

/** The whole of a stream as text (tests, small exports). */
export async function streamText(stream: ReadableStream<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true })
  return text + decoder.decode()
}

/**
 * One keyset page of a dataset (open data's `page(after, limit)`): rows whose key column is after
 * `after`, in key order, at most `limit`. `after` is the last key of the previous page, or the
 * export's start (-Infinity: keys are ids from 1). No OFFSET, no cursor held between pages.
 */
export function keysetPage<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, key: StringReference<DB, TB>, after: number, limit: number): SelectQueryBuilder<DB, TB, O> {
  return query
    .where(key, '>', (Number.isFinite(after) ? after : 0) as never)
    .orderBy(key)
    .limit(limit)
}
