import { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import { attemptCounter } from '../../lib/rate-limit.server'
import { database, type PlazaDatabase } from '../../lib/db.server'
import { greatest, isUniqueViolation } from '../../lib/db/dialect'
import { keyedHash } from '../../lib/secrets.server'

/**
 * The census the city imports, to verify residence. Only a keyed hash of each document number is
 * stored (HMAC with the server's secret), with the birth date and the area of residence.
 */

/** Upper case, no spaces, dots or dashes: "12.345.678-z" and "12345678Z" are one document. */
export const normaliseDocument = (document: string) => document.toUpperCase().replace(/[\s.\-/]/g, '')
export const documentHash = (document: string, target?: PlazaDatabase) => keyedHash('census-document', normaliseDocument(document), target)

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
export function isValidBirthDate(value: string, today = new Date()): boolean {
  const m = DATE.exec(value)
  if (!m) return false
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]) && date <= today && Number(m[1]) >= 1890
}

export type RejectionReason = 'missingDocument' | 'badDate' | 'unknownArea' | 'duplicateDocument' | 'badColumns'
export interface CensusReport {
  added: number
  updated: number
  unchanged: number
  rejected: Array<{ row: number; reason: RejectionReason; detail?: string }>
}

const REQUIRED_COLUMNS = ['document_number', 'birth_date', 'area'] as const

/**
 * Imports a CSV with the columns document_number, birth_date (YYYY-MM-DD) and area (an area slug).
 * Every row is validated; bad rows are reported with their line number and not imported.
 * Rows already in the census are updated. Streams, so a city-sized file does not fill memory.
 */
export async function importCensus(source: Readable | string, options: { importedBy: number | null; sourceName: string }): Promise<CensusReport> {
  const { db, write } = database()
  const areas = new Map((await db.selectFrom('areas').select(['id', 'slug']).execute()).map((a) => [a.slug, a.id]))
  const report: CensusReport = { added: 0, updated: 0, unchanged: 0, rejected: [] }
  const seen = new Map<string, number>()
  const input = typeof source === 'string' ? Readable.from([source]) : source
  const parser = input.pipe(parse({ columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }))

  let batch: Array<{ hash: string; birthDate: string; areaId: number }> = []
  const flush = async () => {
    if (!batch.length) return
    const rows = batch
    batch = []
    const counts = await write(async (trx) => {
      let added = 0
      let updated = 0
      let unchanged = 0
      const existing = new Map(
        (
          await trx
            .selectFrom('census_records')
            .select(['document_hash', 'birth_date', 'area_id'])
            .where(
              'document_hash',
              'in',
              rows.map((r) => r.hash),
            )
            .execute()
        ).map((r) => [r.document_hash, r]),
      )
      const stamp = new Date().toISOString()
      for (const row of rows) {
        const before = existing.get(row.hash)
        if (!before) {
          await trx.insertInto('census_records').values({ document_hash: row.hash, birth_date: row.birthDate, area_id: row.areaId, imported_at: stamp, updated_at: stamp }).execute()
          added++
        } else if (before.birth_date !== row.birthDate || before.area_id !== row.areaId) {
          await trx.updateTable('census_records').set({ birth_date: row.birthDate, area_id: row.areaId, updated_at: stamp }).where('document_hash', '=', row.hash).execute()
          updated++
        } else unchanged++
      }
      return { added, updated, unchanged }
    })
    report.added += counts.added
    report.updated += counts.updated
    report.unchanged += counts.unchanged
  }

  let line = 1 // the header
  try {
    for await (const record of parser as AsyncIterable<Record<string, string | undefined>>) {
      line++
      if (line === 2) {
        const missing = REQUIRED_COLUMNS.filter((c) => !(c in record))
        if (missing.length) {
          report.rejected.push({ row: 1, reason: 'badColumns', detail: missing.join(', ') })
          return report
        }
      }
      const document = normaliseDocument(record.document_number ?? '')
      const birthDate = record.birth_date ?? ''
      const areaId = areas.get(record.area ?? '')
      if (!document) report.rejected.push({ row: line, reason: 'missingDocument' })
      else if (!isValidBirthDate(birthDate)) report.rejected.push({ row: line, reason: 'badDate', detail: birthDate })
      else if (areaId === undefined) report.rejected.push({ row: line, reason: 'unknownArea', detail: record.area ?? '' })
      else {
        const hash = await documentHash(document)
        const first = seen.get(hash)
        if (first !== undefined) report.rejected.push({ row: line, reason: 'duplicateDocument', detail: String(first) })
        else {
          seen.set(hash, line)
          batch.push({ hash, birthDate, areaId })
          if (batch.length >= 1000) await flush()
        }
      }
    }
  } catch (error) {
    // Malformed CSV (an unclosed quote): reported with the parser's explanation, never a crash.
    report.rejected.push({ row: line + 1, reason: 'badColumns', detail: error instanceof Error ? error.message : String(error) })
  }
  await flush()
  await write((trx) =>
    trx
      .insertInto('census_imports')
      .values({
        imported_by: options.importedBy,
        source: options.sourceName.slice(0, 200),
        added: report.added,
        updated: report.updated,
        unchanged: report.unchanged,
        rejected: report.rejected.length,
        created_at: new Date().toISOString(),
      })
      .execute(),
  )
  return report
}

export async function censusSize(): Promise<number> {
  const row = await database()
    .db.selectFrom('census_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

// Five attempts per account per hour, and twenty per IP address: guessing birth dates is slow.
const userAttempts = attemptCounter('verify:user', 5, 3600)
const ipAttempts = attemptCounter('verify:ip', 20, 3600)
// Staff check documents they are shown: 60 checks an hour each is plenty, and stops trawling the census.
const staffChecks = attemptCounter('verify:staff', 60, 3600)

export type VerificationResult = { kind: 'ok'; areaId: number } | { kind: 'noMatch' } | { kind: 'alreadyUsed' } | { kind: 'throttled'; retryAfterSeconds: number } | { kind: 'needsEmail' }

async function matchCensus(document: string, birthDate: string) {
  const record = await database()
    .db.selectFrom('census_records')
    .select(['id', 'area_id', 'birth_date'])
    .where('document_hash', '=', await documentHash(document))
    .executeTakeFirst()
  return record && record.birth_date === birthDate ? record : null
}

/** A resident proves residence with the document number and birth date in the census → level 2. */
export async function verifyResidence(userId: number, input: { document: string; birthDate: string }, ip: string): Promise<VerificationResult> {
  const { db, write } = database()
  const user = await db.selectFrom('users').select(['email_confirmed_at', 'verification_level', 'census_record_id']).where('id', '=', userId).executeTakeFirstOrThrow()
  if (!user.email_confirmed_at) return { kind: 'needsEmail' }
  const wait = Math.max((await userAttempts.blockedFor(String(userId))) ?? 0, (await ipAttempts.blockedFor(ip)) ?? 0)
  if (wait) return { kind: 'throttled', retryAfterSeconds: wait }
  const record = await matchCensus(input.document, input.birthDate)
  if (!record) {
    await Promise.all([userAttempts.count(String(userId)), ipAttempts.count(ip)])
    // The answer never says which of the two did not match.
    return { kind: 'noMatch' }
  }
  try {
    await write((trx) =>
      trx
        .updateTable('users')
        .set((eb) => ({
          census_record_id: record.id,
          home_area_id: record.area_id,
          verification_level: greatest(trx, eb.ref('verification_level'), eb.lit(2)),
          verified_at: new Date().toISOString(),
          updated_at: new Date().toISOString(),
        }))
        .where('id', '=', userId)
        .execute(),
    )
  } catch (error) {
    if (isUniqueViolation(error, 'users', 'census_record_id')) return { kind: 'alreadyUsed' }
    throw error
  }
  return { kind: 'ok', areaId: record.area_id }
}

/** Staff who have seen the person and their document in person → level 3 (census checked too). */
export async function verifyInPerson(
  staffId: number,
  input: { email: string; document: string; birthDate: string },
): Promise<{ kind: 'ok'; userId: number } | { kind: 'noSuchUser' } | { kind: 'noMatch' } | { kind: 'alreadyUsed' } | { kind: 'throttled'; retryAfterSeconds: number }> {
  const check = await staffChecks.count(String(staffId))
  if (check.over) return { kind: 'throttled', retryAfterSeconds: check.retryAfterSeconds }
  const { db, write } = database()
  const user = await db.selectFrom('users').select(['id', 'census_record_id']).where('email', '=', input.email.trim().toLowerCase()).where('deleted_at', 'is', null).executeTakeFirst()
  if (!user) return { kind: 'noSuchUser' }
  const record = await matchCensus(input.document, input.birthDate)
  if (!record) return { kind: 'noMatch' }
  try {
    await write((trx) =>
      trx
        .updateTable('users')
        .set({
          census_record_id: record.id,
          home_area_id: record.area_id,
          verification_level: 3,
          verified_at: new Date().toISOString(),
          verified_by: staffId,
          // Seen in person with their document: the e-mail still needs its own confirmation link.
          updated_at: new Date().toISOString(),
        })
        .where('id', '=', user.id)
        .execute(),
    )
  } catch (error) {
    if (isUniqueViolation(error, 'users', 'census_record_id')) return { kind: 'alreadyUsed' }
    throw error
  }
  return { kind: 'ok', userId: user.id }
}
