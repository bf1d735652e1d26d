import { spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresBinaries, startPostgres, type TestPostgres } from '../support/postgres'
import { onPostgres } from '../support/engine'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'

/**
 * `npm run db:copy` (issue 20 part 3): the demo city, copied from a running SQLite installation to
 * PostgreSQL, counts and ballot chains verified, then served from PostgreSQL. Skipped without
 * PostgreSQL binaries.
 */

const root = path.resolve(import.meta.dirname, '../..')
let postgres: TestPostgres
let source: RunningPlaza
let copy: RunningPlaza | undefined
let client: pg.Client
let url: string

function dbCopy(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/db-copy.ts'), ...args], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 240_000,
  })
  return { code: result.status, out: result.stdout + result.stderr }
}

// The source is a SQLite installation and the target a PostgreSQL of the test's own: it runs in the SQLite
// run, where servers are on SQLite (ADR 131).
describe.skipIf(postgresBinaries() === null || onPostgres)('npm run db:copy', () => {
  beforeAll(async () => {
    postgres = await startPostgres()
    url = await postgres.createDatabase('moved_city')
    // A live installation: the demo city, served while it is copied.
    source = await startPlaza({ BACKGROUND_JOBS: 'false' })
    client = new pg.Client({ connectionString: url })
    await client.connect()
  }, 240_000)
  afterAll(async () => {
    if (process.env.PGJOBS_DEBUG)
      console.log(
        copy?.logs
          .filter((l) => Number(l.level) >= 50)
          .map((l) => JSON.stringify(l).slice(0, 1500))
          .join('\n'),
      )
    await copy?.stop()
    await source?.stop()
    await client?.end()
    await postgres?.stop()
  })

  it('refuses bad arguments with the usage line', () => {
    const noTarget = dbCopy(['--from', `sqlite:${source.databasePath}`, '--to', 'mysql://x'])
    expect(noTarget.code).toBe(2)
    expect(noTarget.out).toContain('--to must be a postgres:// URL')
    const noSource = dbCopy(['--from', 'sqlite:/nonexistent/plaza.sqlite', '--to', url])
    expect(noSource.code).toBe(2)
    expect(noSource.out).toContain('There is no SQLite database at /nonexistent/plaza.sqlite')
  }, 60_000)

  it('copies every table of the running demo city, ids kept, and verifies counts and ballot chains', async () => {
    // An answer's document kept as a file beside the SQLite database (ADR 150): copied into the row (bytea).
    const document = randomBytes(70_000)
    const sha256 = createHash('sha256').update(document).digest('hex')
    const folder = path.join(path.dirname(source.databasePath), 'attachments', sha256.slice(0, 2))
    fs.mkdirSync(folder, { recursive: true })
    fs.writeFileSync(path.join(folder, sha256), document)
    const writer = new SQLite(source.databasePath)
    writer.pragma('busy_timeout = 10000')
    const answered = writer.prepare("select id, request_id from foi_messages where direction = 'in' order by id limit 1").get() as { id: number; request_id: number }
    const fileId = writer
      .prepare("insert into foi_attachments (message_id, request_id, filename, mime, size, data, sha256, created_at) values (?, ?, 'copied.bin', 'application/octet-stream', ?, ?, ?, ?) returning id")
      .pluck()
      .get(answered.id, answered.request_id, document.length, Buffer.alloc(0), sha256, new Date().toISOString()) as number
    writer.close()
    const result = dbCopy(['--from', `sqlite:${source.databasePath}`, '--to', url, '--batch', '500'])
    expect(result.out).toContain('row counts match the source')
    expect(result.code, result.out).toBe(0)
    const verified = result.out.match(/Voting process \d+: \d+ ballots, hash chain and tallies verified/g) ?? []
    expect(verified.length).toBeGreaterThan(0)

    const sqlite = new SQLite(source.databasePath, { readonly: true })
    try {
      for (const table of ['users', 'areas', 'reports', 'proposals', 'petitions', 'petition_signatures', 'ballots', 'audit_log', 'basemap_addresses']) {
        const n = (sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n
        const m = Number((await client.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n)
        expect([table, m]).toEqual([table, n])
      }
      const ballot = sqlite.prepare('select id, hash, prev_hash from ballots order by id desc limit 1').get() as { id: number; hash: string; prev_hash: string }
      const copied = await client.query('select id, hash, prev_hash from ballots where id = $1', [ballot.id])
      expect({ ...copied.rows[0], id: Number(copied.rows[0].id) }).toEqual(ballot)
    } finally {
      sqlite.close()
    }
    // Every id sequence continues after the copied ids.
    const behind = await client.query<{ t: string }>(`select t from (
        select c.table_name as t, c.column_name as col from information_schema.columns c where c.table_schema = 'public' and c.column_default like 'nextval(%'
      ) s where (xpath('/row/m/text()', query_to_xml(format('select coalesce(max(%I), 0) as m from %I', col, t), false, true, '')))[1]::text::bigint
        > (xpath('/row/v/text()', query_to_xml(format('select last_value as v from %s', pg_get_serial_sequence(t, col)), false, true, '')))[1]::text::bigint
        and (xpath('/row/m/text()', query_to_xml(format('select coalesce(max(%I), 0) as m from %I', col, t), false, true, '')))[1]::text::bigint > 0`)
    expect(behind.rows).toEqual([])
    const copiedFile = await client.query<{ data: Buffer; sha256: string | null; size: number }>('select data, sha256, size from foi_attachments where id = $1', [fileId])
    expect(copiedFile.rows[0]!.sha256).toBeNull()
    expect(Buffer.compare(copiedFile.rows[0]!.data, document)).toBe(0)
  }, 240_000)

  it('refuses a target that holds data, unless told to replace it', () => {
    const again = dbCopy(['--from', `sqlite:${source.databasePath}`, '--to', url])
    expect(again.code).toBe(1)
    expect(again.out).toContain('The target database is not empty')
    expect(again.out).toContain('--replace')
  }, 60_000)

  it('serves the copied city from PostgreSQL: the demo residents log in, the proposals are listed, a new session row is written', async () => {
    await source.stop()
    copy = await startPlaza({ DATABASE_URL: url, BACKGROUND_JOBS: 'false', MAIL_WORKER: 'false' }, { template: false })
    const titles = (await client.query<{ title: string }>(`select title from proposals`)).rows.map((r) => r.title.replace(/&/g, '&amp;').replace(/'/g, '&#x27;').replace(/"/g, '&quot;'))
    expect(titles.length).toBeGreaterThan(0)
    const visitor = new Visitor(copy.url, { 'accept-language': 'en' })
    expect((await visitor.post('/login', { email: 'resident@valmera.example', password: 'valmera-demo-2026' })).status).toBe(302)
    const account = await visitor.get('/account')
    expect(account.status).toBe(200)
    expect(await account.text()).toContain('resident@valmera.example')
    const list = await visitor.get('/proposals')
    expect(list.status).toBe(200)
    const html = await list.text()
    expect(titles.filter((t) => html.includes(t)).length).toBeGreaterThan(3)
    // The login wrote a new session row past the copied ones.
    const sessions = await client.query<{ n: string }>(`select count(*) as n from sessions`)
    expect(Number(sessions.rows[0]!.n)).toBeGreaterThan(0)
  }, 240_000)
})
