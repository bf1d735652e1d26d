import { parse } from 'csv-parse/sync'
import { csvRows } from '../../lib/csv'
import type { Transaction } from 'kysely'
import type { Database } from '../../../db/schema'
import { database, nowIso } from '../../lib/db.server'
import { recordAudit } from '../moderation/moderation.server'
import { lookupTables, validateRepresentative, type LookupTables } from './representatives.server'

/**
 * Importing representatives from CSV (issue 9). Columns: name, role, level, area (slug or id),
 * party, email, active_from, active_until — a header row, UTF-8 (a BOM is fine), comma or
 * semicolon (whichever the header uses). A row matches an existing representative on
 * e-mail (case-insensitive) + level + area: it updates that one, otherwise it creates one.
 *
 * planImport is the dry run: per row what would happen, and each problem with its line and
 * column. applyImport plans again inside ONE write (so what it applies is what the database holds
 * at that moment) and applies every valid row — or nothing, when asked "only if no errors".
 * Sizes are never trusted: at most CSV_MAX_BYTES and CSV_MAX_ROWS.
 */

export const CSV_MAX_BYTES = 2 * 1024 * 1024
export const CSV_MAX_ROWS = 5000
/** The template's columns: the role per language (at least one of them). */
export const CSV_COLUMNS = ['name', 'role_en', 'role_es', 'role_fr', 'level', 'area', 'party', 'email', 'active_from', 'active_until'] as const
/** Also read: "role" (files made before roles had languages), taken as the English role. */
const READ_COLUMNS = [...CSV_COLUMNS, 'role'] as const
export type CsvColumn = (typeof READ_COLUMNS)[number]
const REQUIRED: readonly CsvColumn[] = ['name', 'level', 'area', 'email']
const ROLE_COLUMNS: readonly CsvColumn[] = ['role', 'role_en', 'role_es', 'role_fr']

/** The form's field names → the CSV's column names (errors are reported by column). */
const COLUMN_OF_FIELD: Record<string, CsvColumn> = {
  name: 'name',
  role: 'role_en',
  level: 'level',
  area: 'area',
  party: 'party',
  email: 'email',
  activeFrom: 'active_from',
  activeUntil: 'active_until',
}

export interface RowProblem {
  column: CsvColumn | null
  /** i18n key of the representatives namespace (errors.*, csv.*). */
  key: string
  values?: Record<string, string | number>
}

export interface PlannedRow {
  /** The line in the file where the row starts (the header is line 1). */
  line: number
  action: 'create' | 'update' | 'unchanged' | 'error'
  name: string
  email: string
  level: string
  area: string
  /** The representative updated (or left unchanged). */
  id: number | null
  problems: RowProblem[]
}

export type FatalProblem = { key: string; values?: Record<string, string | number> }

export interface ImportPlan {
  fatal: FatalProblem | null
  rows: PlannedRow[]
  counts: { create: number; update: number; unchanged: number; error: number }
}

interface ParsedRow {
  line: number
  fields: Record<CsvColumn, string>
}

const emptyCounts = () => ({ create: 0, update: 0, unchanged: 0, error: 0 })

/** Reads the file: the header, then each row with the line it starts on. */
export function parseRepresentativesCsv(input: Buffer | string): { ok: true; rows: ParsedRow[] } | { ok: false; fatal: FatalProblem } {
  const bytes = typeof input === 'string' ? Buffer.byteLength(input) : input.length
  if (bytes > CSV_MAX_BYTES) return { ok: false, fatal: { key: 'csv.tooLarge', values: { max: '2 MB' } } }
  let text: string
  try {
    text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input)
  } catch {
    return { ok: false, fatal: { key: 'csv.notUtf8' } }
  }
  text = text.replace(/^\uFEFF/, '')
  const firstLine = text.split(/\r?\n/, 1)[0] ?? ''
  if (!firstLine.trim()) return { ok: false, fatal: { key: 'csv.empty' } }
  // The header says which separator the file uses: spreadsheets in many locales write semicolons.
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ','
  let records: Array<{ record: string[]; info: { lines: number } }>
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, to: CSV_MAX_ROWS + 2 }) as unknown as typeof records
  } catch (error) {
    const line = (error as { lines?: number }).lines
    return { ok: false, fatal: { key: 'csv.malformed', values: { line: line ?? 0 } } }
  }
  const [header, ...body] = records
  if (!header) return { ok: false, fatal: { key: 'csv.empty' } }
  const columns = header.record.map((h) => h.trim().toLowerCase().replace(/\s+/g, '_'))
  const unknown = columns.filter((c) => !(READ_COLUMNS as readonly string[]).includes(c))
  if (unknown.length) return { ok: false, fatal: { key: 'csv.unknownColumns', values: { columns: unknown.join(', ').slice(0, 200), expected: CSV_COLUMNS.join(', ') } } }
  const missing: string[] = REQUIRED.filter((c) => !columns.includes(c))
  if (!ROLE_COLUMNS.some((c) => columns.includes(c))) missing.splice(1, 0, 'role_en')
  if (missing.length) return { ok: false, fatal: { key: 'csv.missingColumns', values: { columns: missing.join(', ') } } }
  const repeated = columns.find((c, i) => columns.indexOf(c) !== i)
  if (repeated) return { ok: false, fatal: { key: 'csv.repeatedColumn', values: { column: repeated } } }
  if (body.length > CSV_MAX_ROWS) return { ok: false, fatal: { key: 'csv.tooManyRows', values: { max: CSV_MAX_ROWS } } }
  if (body.length === 0) return { ok: false, fatal: { key: 'csv.noRows' } }
  const rows: ParsedRow[] = []
  const lines = text.split(/\r\n|\n|\r/)
  // info.lines is the line a record ends on; a record starts one line after the previous one ends.
  let previousEnd = header.info.lines
  for (const { record, info } of body) {
    const fields = Object.fromEntries(READ_COLUMNS.map((c) => [c, ''])) as Record<CsvColumn, string>
    columns.forEach((c, i) => {
      fields[c as CsvColumn] = (record[i] ?? '').trim()
    })
    let start = previousEnd + 1
    // skip_empty_lines: blank lines before the record are not the record's.
    while (start < info.lines && record.length > 0 && !lines[start - 1]?.trim()) start++
    rows.push({ line: start, fields })
    previousEnd = info.lines
  }
  return { ok: true, rows }
}

interface ExistingRow {
  id: number
  name: string
  role: string
  level: string
  area_id: number
  party: string | null
  email: string
  active_from: string | null
  active_until: string | null
}

const matchKey = (email: string, level: string, areaId: number) => `${email.toLowerCase()}\u0000${level}\u0000${areaId}`

async function existingRows(executor: Pick<Transaction<Database>, 'selectFrom'>): Promise<Map<string, ExistingRow>> {
  const rows = await executor.selectFrom('representatives').select(['id', 'name', 'role', 'level', 'area_id', 'party', 'email', 'active_from', 'active_until']).orderBy('id', 'desc').execute()
  // Newest first, so the oldest matching representative is the one the map keeps (and updates).
  return new Map(rows.map((r) => [matchKey(r.email, r.level, r.area_id), r]))
}

type Planned = PlannedRow & { values?: Omit<ExistingRow, 'id'> }

/** Pure: the plan for parsed rows against the levels, areas and representatives given. */
export function planRows(rows: ParsedRow[], tables: LookupTables, existing: Map<string, ExistingRow>): { plan: ImportPlan; planned: Planned[] } {
  const counts = emptyCounts()
  const seen = new Map<string, number>()
  const planned: Planned[] = rows.map(({ line, fields }) => {
    const base = { line, name: fields.name.slice(0, 200), email: fields.email.slice(0, 254), level: fields.level.slice(0, 40), area: fields.area.slice(0, 100), id: null }
    const checked = validateRepresentative(
      {
        name: fields.name,
        role_en: fields.role_en || fields.role,
        role_es: fields.role_es,
        role_fr: fields.role_fr,
        level: fields.level,
        area: fields.area,
        party: fields.party,
        email: fields.email,
        activeFrom: fields.active_from,
        activeUntil: fields.active_until,
      },
      tables,
    )
    if (!checked.ok) {
      const problems = Object.entries(checked.errors).map(([field, keys]) => ({
        column: COLUMN_OF_FIELD[field] ?? null,
        key: (keys?.[0] ?? 'representatives:errors.invalid').replace(/^representatives:/, ''),
      }))
      return { ...base, action: 'error' as const, problems }
    }
    const { input, areaId } = checked.value
    const key = matchKey(input.email, input.level, areaId)
    const earlier = seen.get(key)
    if (earlier !== undefined) return { ...base, action: 'error' as const, problems: [{ column: 'email' as const, key: 'csv.duplicateRow', values: { line: earlier } }] }
    seen.set(key, line)
    const values = { name: input.name, role: input.role, level: input.level, area_id: areaId, party: input.party, email: input.email, active_from: input.activeFrom, active_until: input.activeUntil }
    const match = existing.get(key)
    if (!match) return { ...base, action: 'create' as const, problems: [], values }
    const same = (Object.keys(values) as Array<keyof typeof values>).every((k) => values[k] === match[k])
    return { ...base, id: match.id, action: same ? ('unchanged' as const) : ('update' as const), problems: [], values }
  })
  for (const p of planned) counts[p.action]++
  return { plan: { fatal: null, rows: planned.map(({ values: _values, ...row }) => row), counts }, planned }
}

/** The dry run: what importing this file would do, changing nothing. */
export async function planImport(input: Buffer | string): Promise<ImportPlan> {
  const parsed = parseRepresentativesCsv(input)
  if (!parsed.ok) return { fatal: parsed.fatal, rows: [], counts: emptyCounts() }
  const db = database().db
  return planRows(parsed.rows, await lookupTables(db), await existingRows(db)).plan
}

export interface ImportResult {
  plan: ImportPlan
  applied: boolean
  created: number
  updated: number
}

/**
 * Applies the valid rows in one write (each creation and update audited, plus one audit row for
 * the import). With `onlyIfNoErrors`, a file with any invalid row changes nothing.
 */
export async function applyImport(actorId: number, input: Buffer | string, options: { onlyIfNoErrors: boolean; sourceName?: string }): Promise<ImportResult> {
  const parsed = parseRepresentativesCsv(input)
  if (!parsed.ok) return { plan: { fatal: parsed.fatal, rows: [], counts: emptyCounts() }, applied: false, created: 0, updated: 0 }
  return database().write(async (trx) => {
    const { plan, planned } = planRows(parsed.rows, await lookupTables(trx), await existingRows(trx))
    if (options.onlyIfNoErrors && plan.counts.error > 0) return { plan, applied: false, created: 0, updated: 0 }
    const now = nowIso()
    let created = 0
    let updated = 0
    for (const row of planned) {
      if (!row.values) continue
      if (row.action === 'create') {
        const inserted = await trx
          .insertInto('representatives')
          .values({ ...row.values, created_at: now, updated_at: now })
          .returning('id')
          .executeTakeFirstOrThrow()
        await recordAudit(trx, { actorId, action: 'representative.create', targetKind: 'representative', targetId: inserted.id, after: row.values, reason: `CSV line ${row.line}` })
        created++
      } else if (row.action === 'update' && row.id !== null) {
        const before = await trx.selectFrom('representatives').select(['name', 'role', 'level', 'area_id', 'party', 'email', 'active_from', 'active_until']).where('id', '=', row.id).executeTakeFirst()
        await trx
          .updateTable('representatives')
          .set({ ...row.values, updated_at: now })
          .where('id', '=', row.id)
          .execute()
        await recordAudit(trx, { actorId, action: 'representative.update', targetKind: 'representative', targetId: row.id, before, after: row.values, reason: `CSV line ${row.line}` })
        updated++
      }
    }
    await recordAudit(trx, {
      actorId,
      action: 'representative.import',
      targetKind: 'representative',
      targetId: 0,
      after: { created, updated, unchanged: plan.counts.unchanged, errors: plan.counts.error },
      reason: options.sourceName?.slice(0, 200) ?? null,
    })
    return { plan, applied: true, created, updated }
  })
}

/** The template administrators download: the header and two example rows (the shared CSV writer). */
export function representativesCsvTemplate(): string {
  return csvRows([
    CSV_COLUMNS,
    [
      'Aina Ferrer',
      'Neighbourhood councillor',
      'Concejala de barrio',
      'Conseillère de quartier',
      'neighbourhood',
      'el-molinar',
      'Valmera Verda',
      'aina.ferrer@council.valmera.example',
      '2023-06-17',
      '',
    ],
    ['Puig, Marc', 'District councillor', 'Concejal de distrito', 'Conseiller de district', 'district', 'ribera-nord', 'Independent', 'marc.puig@council.valmera.example', '2023-06-17', '2027-06-16'],
  ])
}
