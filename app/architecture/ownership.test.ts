import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ownerOf, tableOwners } from './owners'
import { moduleCycles, moduleEdges, scanFile, scanSources, type Scan } from './scan'

/**
 * The architecture's rules, read from the code (ADR 114): one writer per table, app/lib imports
 * nothing from app/modules, routes run no queries, no import cycle between modules.
 */
const root = path.resolve(__dirname, '../..')
const scanned: Scan = scanSources(root, ['app', 'scripts'])
// Tools that copy the whole database as it is, below the modules (as pg_restore would): `npm run db:copy`
// (issue 20) writes every table by name from the target's catalogue. No other file may be listed here.
const wholeDatabaseTools = new Set(['scripts/db-copy.ts'])
const code: Scan = { ...scanned, writes: scanned.writes.filter((w) => !wholeDatabaseTools.has(w.file)) }

const describeWrite = (w: { file: string; line: number; how: string; table: string | null }) => `${w.file}:${w.line} ${w.how} ${w.table ?? '(table not named)'}`

describe('table ownership', () => {
  it('finds the writes it should (the scanner reads what the code does)', () => {
    const tables = new Set(code.writes.map((w) => w.table))
    for (const table of ['ballots', 'tallies', 'reports', 'audit_log', 'settings', 'api_keys', 'outbox']) expect(tables).toContain(table)
    // The cast's prepared statements are raw SQL on the connection.
    expect(code.writes).toContainEqual(expect.objectContaining({ file: 'app/modules/voting/cast.server.ts', how: 'sql insert into', table: 'ballots' }))
  })

  it('every table written is a table of db/schema.ts, named where it is written', () => {
    const unnamed = code.writes.filter((w) => w.table === null).map(describeWrite)
    expect(unnamed, 'name a table chosen at run time in a `// writes: a, b` comment').toEqual([])
    const unknown = code.writes.filter((w) => w.table !== null && !ownerOf(w.table)).map(describeWrite)
    expect(unknown, 'a table missing from app/architecture/owners.ts').toEqual([])
  })

  it('only its owner writes a table', () => {
    const foreign = code.writes.filter((w) => w.table !== null && ownerOf(w.table) && !w.file.startsWith(`app/${ownerOf(w.table)}`))
    expect(foreign.map((w) => `${describeWrite(w)} — owned by ${ownerOf(w.table!)}`)).toEqual([])
  })

  it('every owner exists', async () => {
    const fs = await import('node:fs')
    for (const owner of new Set(Object.values(tableOwners))) expect(fs.existsSync(path.join(root, 'app', owner)), owner).toBe(true)
  })

  it('fails on a write outside the owner (the scanner on a sample)', async () => {
    const fs = await import('node:fs')
    const os = await import('node:os')
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-ownership-'))
    const file = path.join(dir, 'sample.ts')
    fs.writeFileSync(
      file,
      [
        "await trx.insertInto('audit_log as a').values(row).execute()",
        'sqlite.prepare(`update settings set value = ? where key = ?`)',
        "const t = kind === 'a' ? 'proposal_categories' : 'petition_categories'",
        'await trx.deleteFrom(t).execute()',
        '// writes: proposal_categories, petition_categories',
        'await trx.updateTable(t).set(values).execute()',
        "const s = 'please update your profile'",
        'await sql`delete from ${table} where id = 1`',
      ].join('\n'),
    )
    const found = scanFile(dir, file).writes.map((w) => [w.line, w.how, w.table])
    fs.rmSync(dir, { recursive: true })
    expect(found).toEqual([
      [1, 'insertInto', 'audit_log'],
      [2, 'sql update', 'settings'],
      [4, 'deleteFrom', null],
      [6, 'updateTable', 'proposal_categories'],
      [6, 'updateTable', 'petition_categories'],
      [8, 'sql delete from', null],
    ])
  })
})

describe('dependencies', () => {
  it('app/lib imports nothing from app/modules', () => {
    const wrong = code.imports.filter((i) => i.file.startsWith('app/lib/') && i.target.startsWith('app/modules/'))
    expect(wrong.map((i) => `${i.file}:${i.line} imports ${i.target}`)).toEqual([])
  })

  it('routes run no queries: they call their modules', () => {
    const wrong = code.imports.filter((i) => i.file.startsWith('app/routes/') && i.target === 'app/lib/db.server')
    expect(wrong.map((i) => `${i.file}:${i.line} imports the database`)).toEqual([])
  })

  it('no import cycle between modules, of any length: they form layers', () => {
    const cycles = moduleCycles(moduleEdges(code)).map((c) => c.path.join(' → '))
    expect(cycles, 'invert the dependency: a hook or a manifest field the other module registers (docs/architecture.md)').toEqual([])
  })

  it('finds a cycle when there is one (the check on a sample graph)', () => {
    const edges = new Map(
      Object.entries({
        'modules/a': ['modules/b'],
        'modules/b': ['modules/c', 'modules/d'],
        'modules/c': ['modules/a'],
        'modules/d': ['modules/e'],
        'modules/e': ['modules/d'],
        'modules/f': ['modules/a'],
      }).map(([k, v]) => [k, new Set(v)]),
    )
    expect(moduleCycles(edges)).toEqual([
      { modules: ['modules/d', 'modules/e'], path: ['modules/d', 'modules/e', 'modules/d'] },
      { modules: ['modules/a', 'modules/b', 'modules/c'], path: ['modules/a', 'modules/b', 'modules/c', 'modules/a'] },
    ])
    expect(moduleCycles(new Map([['modules/a', new Set(['modules/b'])]]))).toEqual([])
  })
})
