/**
 * `npm run db:copy -- --from sqlite:PATH --to postgres://… [--replace] [--batch N]`: moves a Plaza
 * installation from SQLite to PostgreSQL (issue 20 part 3; docs/postgres.md).
 *
 * 1. The source is opened read-only, in one read transaction: every table is copied from the same
 *    moment, even while Plaza keeps running on it (what is written after that moment is not copied:
 *    stop Plaza, or copy again, before switching over).
 * 2. The target is checked to be empty (nothing but what the migrations themselves insert), unless
 *    --replace, then migrated to the same schema as the source.
 * 3. In ONE PostgreSQL transaction: every table emptied, then copied table by table in batches of
 *    multi-row inserts, parents before children (the foreign keys of the target), ids kept; the
 *    search tables are filled by their triggers; each id sequence is set past the largest id;
 *    the row count of every table compared with the source. Any difference rolls it all back.
 * 4. After the commit, every voting process's ballot hash chain (and tallies) is verified on the
 *    target with the same code as `npm run tally:verify`.
 * Answers' attachments kept as files beside the SQLite database (foi_attachments.sha256, ADR 150) are
 * read from the source's `attachments/` folder and copied into the rows (`data`): PostgreSQL keeps
 * them in bytea, so the copy needs no folder of its own. A missing file stops the copy (rolled back).
 * Prints a summary; exits 0 when all matches, 1 on a difference or an error, 2 on a usage error.
 */
import fs from 'node:fs'
import { parseArgs } from 'node:util'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { migrations } from '../db/migrations/index'
import { isPostgresUrl } from '../app/lib/db/dialect'
import { attachmentPath, attachmentsDirectory } from '../app/lib/attachment-files.server'

const usageLine = 'Usage: npm run db:copy -- --from sqlite:PATH --to postgres://USER@HOST/DB [--replace] [--batch 1000]'
function usage(message: string): never {
  console.error(`${message}\n${usageLine}`)
  process.exit(2)
}

let parsed
try {
  parsed = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, replace: { type: 'boolean', default: false }, batch: { type: 'string', default: '1000' } } })
} catch (error) {
  usage((error as Error).message)
}
const { values } = parsed
if (!values.from) usage('--from is missing')
if (!values.to || !isPostgresUrl(values.to)) usage('--to must be a postgres:// URL')
const sourcePath = values.from.replace(/^sqlite:(\/\/)?/, '')
if (!fs.existsSync(sourcePath)) usage(`There is no SQLite database at ${sourcePath}`)
const batchSize = Number(values.batch)
if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) usage('--batch must be a whole number from 1 to 10000')
const targetUrl = values.to

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`

/** The target's tables (public schema, not Kysely's own), with their columns and id sequences. */
async function targetTables(client: pg.Client) {
  const { rows } = await client.query<{ table_name: string; column_name: string; column_default: string | null }>(
    `select c.table_name, c.column_name, c.column_default from information_schema.columns c
     join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.table_name not like 'kysely\\_%' order by c.table_name, c.ordinal_position`,
  )
  const tables = new Map<string, { columns: string[]; serial: string[] }>()
  for (const r of rows) {
    const t = tables.get(r.table_name) ?? { columns: [], serial: [] }
    t.columns.push(r.column_name)
    if (r.column_default?.startsWith('nextval(')) t.serial.push(r.column_name)
    tables.set(r.table_name, t)
  }
  return tables
}

/** Parents before children, by the target's foreign keys (a table's references to itself aside). */
async function copyOrder(client: pg.Client, tables: string[]): Promise<string[]> {
  const { rows } = await client.query<{ child: string; parent: string }>(
    `select cl.relname as child, pl.relname as parent from pg_constraint c
     join pg_class cl on cl.oid = c.conrelid join pg_class pl on pl.oid = c.confrelid
     where c.contype = 'f' and c.connamespace = 'public'::regnamespace`,
  )
  const parents = new Map(tables.map((t) => [t, new Set<string>()]))
  for (const r of rows) if (r.child !== r.parent && parents.has(r.child) && parents.has(r.parent)) parents.get(r.child)!.add(r.parent)
  const order: string[] = []
  const placed = new Set<string>()
  while (order.length < tables.length) {
    const ready = tables.filter((t) => !placed.has(t) && [...parents.get(t)!].every((p) => placed.has(p)))
    if (ready.length === 0) throw new Error(`the foreign keys between ${tables.filter((t) => !placed.has(t)).join(', ')} form a cycle`)
    for (const t of ready) {
      placed.add(t)
      order.push(t)
    }
  }
  return order
}

const count = async (client: pg.Client, table: string) => Number((await client.query<{ n: string }>(`select count(*) as n from ${quote(table)}`)).rows[0]!.n)

/** Rows a freshly migrated database holds per table (what the migrations insert), from an in-memory SQLite. */
async function baselineCounts(): Promise<Map<string, number>> {
  const { openDatabase, migrateOrThrow } = await import('../app/lib/db.server')
  const fresh = openDatabase({ path: ':memory:' })
  await migrateOrThrow(fresh)
  const counts = new Map<string, number>()
  for (const { name } of fresh.sqlite.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as Array<{ name: string }>) {
    counts.set(name, (fresh.sqlite.prepare(`select count(*) as n from ${quote(name)}`).get() as { n: number }).n)
  }
  await fresh.close()
  return counts
}

/** Tables of the target holding more than the migrations put there: its own data. */
async function targetData(client: pg.Client): Promise<string[]> {
  const baseline = await baselineCounts()
  const found: string[] = []
  for (const table of (await targetTables(client)).keys()) {
    const n = await count(client, table)
    if (n > (baseline.get(table) ?? 0)) found.push(`${table} (${n} rows)`)
  }
  return found
}

function checkSourceMigrations(sqlite: SQLite.Database) {
  let applied: string[]
  try {
    applied = (sqlite.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name)
  } catch {
    throw new Error(`${sourcePath} is not a Plaza database (it has no migrations table)`)
  }
  const known = Object.keys(migrations).sort()
  const unknown = applied.filter((m) => !known.includes(m))
  if (unknown.length) throw new Error(`${sourcePath} has migrations this Plaza does not know (${unknown.join(', ')}): copy with the Plaza version that wrote it`)
  const missing = known.filter((m) => !applied.includes(m))
  if (missing.length) throw new Error(`${sourcePath} lacks migrations ${missing.join(', ')}: run npm run db:migrate on it first (with Plaza stopped)`)
}

/** Copies one table in batches; returns the rows copied. */
async function copyTable(sqlite: SQLite.Database, client: pg.Client, table: string, targetColumns: string[]): Promise<number> {
  const sourceColumns = (sqlite.prepare(`select name from pragma_table_info(?)`).all(table) as Array<{ name: string }>).map((c) => c.name)
  const missing = targetColumns.filter((c) => !sourceColumns.includes(c))
  const extra = sourceColumns.filter((c) => !targetColumns.includes(c))
  if (missing.length || extra.length) throw new Error(`${table}: the columns differ (not in the source: ${missing.join(', ') || 'none'}; not in the target: ${extra.join(', ') || 'none'})`)
  let hasRowid = true
  try {
    sqlite.prepare(`select rowid from ${quote(table)} limit 0`)
  } catch {
    hasRowid = false
  }
  const columns = targetColumns.map(quote).join(', ')
  const select = sqlite.prepare(`select ${columns} from ${quote(table)}${hasRowid ? ' order by rowid' : ''}`).raw(true)
  // PostgreSQL takes at most 65,535 parameters in a statement.
  const perBatch = Math.max(1, Math.min(batchSize, Math.floor(60_000 / targetColumns.length)))
  // Rows of blobs (attachments, images) go in batches of at most ~16 MB.
  const maxBatchBytes = 16 * 1024 * 1024
  let batchBytes = 0
  // An answer's attachment stored as a file (ADR 150): its bytes into `data`, no name (bytea on PostgreSQL).
  const fileColumns = table === 'foi_attachments' ? { sha256: targetColumns.indexOf('sha256'), data: targetColumns.indexOf('data'), size: targetColumns.indexOf('size') } : null
  const attachments = attachmentsDirectory(sourcePath)
  let batch: unknown[][] = []
  let copied = 0
  const flush = async () => {
    if (batch.length === 0) return
    const params: unknown[] = []
    const tuples = batch.map((row) => `(${row.map((value) => `$${params.push(value)}`).join(', ')})`)
    await client.query(`insert into ${quote(table)} (${columns}) values ${tuples.join(', ')}`, params)
    copied += batch.length
    batch = []
    batchBytes = 0
  }
  // Nothing else runs on the source connection while its statement is iterated.
  for (const row of select.iterate() as IterableIterator<unknown[]>) {
    const sha256 = fileColumns && fileColumns.sha256 >= 0 ? row[fileColumns.sha256] : null
    if (fileColumns && typeof sha256 === 'string') {
      let bytes: Buffer
      try {
        bytes = fs.readFileSync(attachmentPath(sha256, attachments))
      } catch (error) {
        throw new Error(`foi_attachments: the file ${sha256} (${(error as Error).message}) is missing from ${attachments}: nothing was copied`)
      }
      if (bytes.length !== Number(row[fileColumns.size])) throw new Error(`foi_attachments: the file ${sha256} in ${attachments} is not the size its row says: nothing was copied`)
      row[fileColumns.data] = bytes
      row[fileColumns.sha256] = null
    }
    batch.push(row)
    for (const value of row) if (Buffer.isBuffer(value)) batchBytes += value.length
    if (batch.length >= perBatch || batchBytes >= maxBatchBytes) await flush()
  }
  await flush()
  return copied
}

async function resetSequences(client: pg.Client, table: string, serial: string[]) {
  for (const column of serial) {
    await client.query(`select setval(pg_get_serial_sequence($1, $2), greatest(coalesce(max(${quote(column)}), 0), 1), max(${quote(column)}) is not null) from ${quote(table)}`, [quote(table), column])
  }
}

interface TableSummary {
  table: string
  source: number
  target: number
  seconds: number
}

async function copyAll(sqlite: SQLite.Database, client: pg.Client): Promise<TableSummary[]> {
  const tables = await targetTables(client)
  const sourceTables = new Set((sqlite.prepare(`select name from sqlite_master where type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name))
  // The search tables (<name>_fts) are filled by their triggers as the rows arrive.
  const copied = [...tables.keys()].filter((t) => !t.endsWith('_fts'))
  const notInSource = copied.filter((t) => !sourceTables.has(t))
  if (notInSource.length) throw new Error(`tables missing from the source: ${notInSource.join(', ')}`)
  const order = await copyOrder(client, copied)
  await client.query('begin')
  await client.query(`truncate ${[...tables.keys()].map(quote).join(', ')}`)
  const summary: TableSummary[] = []
  for (const table of order) {
    const started = performance.now()
    await copyTable(sqlite, client, table, tables.get(table)!.columns)
    await resetSequences(client, table, tables.get(table)!.serial)
    const source = (sqlite.prepare(`select count(*) as n from ${quote(table)}`).get() as { n: number }).n
    summary.push({ table, source, target: await count(client, table), seconds: (performance.now() - started) / 1000 })
  }
  for (const fts of [...tables.keys()].filter((t) => t.endsWith('_fts'))) {
    const of = fts.slice(0, -'_fts'.length)
    if (tables.has(of)) summary.push({ table: `${fts} (search, by trigger)`, source: await count(client, of), target: await count(client, fts), seconds: 0 })
  }
  return summary
}

/** Every voting process with ballots, verified on the target (hash chain, tallies, result). */
async function verifyBallots(): Promise<Array<{ id: number; ok: boolean; ballots: number; problems: string[] }>> {
  process.env.DATABASE_URL = targetUrl
  const { database } = await import('../app/lib/db.server')
  const { verifyProcess } = await import('../app/modules/voting/voting.server')
  const processes = await database().db.selectFrom('voting_processes').select('id').where('ballots', '>', 0).orderBy('id').execute()
  const results = []
  for (const { id } of processes) {
    const v = await verifyProcess(id)
    results.push({ id, ok: v.ok, ballots: v.figures.chainLength, problems: v.problems })
  }
  await database().close()
  return results
}

async function main(): Promise<number> {
  const started = performance.now()
  const sqlite = new SQLite(sourcePath, { readonly: true, fileMustExist: true })
  checkSourceMigrations(sqlite)
  const client = new pg.Client({ connectionString: targetUrl })
  await client.connect()
  try {
    const data = await targetData(client)
    if (data.length && !values.replace) {
      console.error(
        `The target database is not empty: ${data.slice(0, 8).join(', ')}${data.length > 8 ? ', …' : ''}.\nCopy into an empty database, or pass --replace to delete everything in it first.`,
      )
      return 1
    }
    const { openDatabase, migrateOrThrow } = await import('../app/lib/db.server')
    const target = openDatabase({ path: '', url: targetUrl })
    const applied = await migrateOrThrow(target)
    await target.close()
    console.log(`Target migrated (${applied.length} migrations applied).`)
    // One snapshot of the source for every table.
    sqlite.exec('begin')
    let summary: TableSummary[]
    try {
      summary = await copyAll(sqlite, client)
    } catch (error) {
      await client.query('rollback').catch(() => undefined)
      throw error
    } finally {
      sqlite.exec('commit')
    }
    const wrong = summary.filter((s) => s.source !== s.target)
    const width = Math.max(...summary.map((s) => s.table.length))
    for (const s of summary) console.log(`${s.table.padEnd(width)}  ${String(s.target).padStart(9)} rows${s.source !== s.target ? `  ≠ ${s.source} in the source` : ''}  ${s.seconds.toFixed(2)} s`)
    if (wrong.length) {
      await client.query('rollback')
      console.error(`Row counts differ in ${wrong.map((w) => w.table).join(', ')}: nothing was copied (rolled back).`)
      return 1
    }
    await client.query('commit')
    const rows = summary.filter((s) => !s.table.includes('(search')).reduce((n, s) => n + s.target, 0)
    console.log(`Copied ${rows} rows in ${summary.filter((s) => !s.table.includes('(search')).length} tables; row counts match the source.`)
    const ballots = await verifyBallots()
    for (const b of ballots) console.log(`Voting process ${b.id}: ${b.ballots} ballots, hash chain and tallies ${b.ok ? 'verified' : `NOT verified:\n  ${b.problems.join('\n  ')}`}`)
    console.log(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s.`)
    return ballots.every((b) => b.ok) ? 0 : 1
  } finally {
    await client.end()
    sqlite.close()
  }
}

try {
  process.exitCode = await main()
} catch (error) {
  console.error(`db:copy failed: ${(error as Error).message}`)
  process.exitCode = 1
}
