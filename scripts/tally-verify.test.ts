import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../app/lib/db.server'
import { statements } from '../app/lib/db/statements'
import { makeUser, seededDatabase } from '../tests/support/fixtures'
import { castBallot } from '../app/modules/voting/voting.server'

/** `npm run tally:verify -- --process ID` against this test file's own database. */

const run = promisify(execFile)
const root = path.resolve(import.meta.dirname, '..')

async function verify(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/tally-verify.ts'), ...args], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

async function processWithBallots(n: number) {
  const at = new Date().toISOString()
  const id = await database().write(async (trx) => {
    const row = await trx
      .insertInto('voting_processes')
      .values({
        title: 'Verify me',
        description_md: '',
        description_html: '',
        method: 'approval',
        spec: JSON.stringify({ method: 'approval', options: ['north', 'south', 'east'], maxChoices: 2 }),
        weight_policy: JSON.stringify({ rules: [{ minLevel: 2, weight: 1000 }], default: 500 }),
        required_level: 1,
        state: 'open',
        opens_at: new Date(Date.now() - 3_600_000).toISOString(),
        closes_at: new Date(Date.now() + 3_600_000).toISOString(),
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  })
  for (let i = 0; i < n; i++) {
    const voter = await makeUser(1 + (i % 2))
    const result = await castBallot(voter, id, { approved: i % 3 === 0 ? ['north'] : ['south', 'east'] })
    expect(result.kind).toBe('cast')
  }
  const ballots = await database().db.selectFrom('ballots').select(['id']).where('process_id', '=', id).orderBy('id').execute()
  return { id, ballots: ballots.map((b) => b.id) }
}

beforeAll(async () => {
  await seededDatabase()
})

describe('npm run tally:verify', () => {
  it('prints the figures and exits 0 when everything matches (through npm)', async () => {
    const { id } = await processWithBallots(6)
    const { stdout } = await run('npm', ['run', '--silent', 'tally:verify', '--', '--process', String(id)], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent' } })
    expect(stdout).toContain(`Voting process ${id} (approval)`)
    expect(stdout).toContain('ballots in the chain: 6 (the process records 6)')
    expect(stdout).toMatch(/1\. south: 3 \(4 ballots\)/)
    expect(stdout).toContain('OK: the chain, the tallies and the result match the ballots.')
  })

  it('exits 1 naming the broken link and each differing tally when a ballot’s choices are edited', async () => {
    const { id, ballots } = await processWithBallots(6)
    await database().write((trx) => statements(database(), trx).run('update ballots set choices = ? where id = ?', '{"approved":["north"]}', ballots[1]))
    const result = await verify('--process', String(id))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('FAILED')
    expect(result.stderr).toContain(`chain broken at index 1 (ballot ${ballots[1]}): its hash does not match its contents`)
    expect(result.stderr).toMatch(/tally "option:north": stored weight \d+ in 2 ballots, recounted weight \d+ in 3 ballots/)
    expect(result.stderr).toMatch(/tally "option:south"/)
  })

  it('exits 1 when a ballot’s weight is edited', async () => {
    const { id, ballots } = await processWithBallots(4)
    await database().write((trx) => statements(database(), trx).run('update ballots set weight = weight * 2 where id = ?', ballots[2]))
    const result = await verify('--process', String(id))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`chain broken at index 2 (ballot ${ballots[2]})`)
    expect(result.stderr).toMatch(/tally "ballots"/)
  })

  it('exits 1 when a ballot is deleted', async () => {
    const { id, ballots } = await processWithBallots(5)
    await database().write((trx) => statements(database(), trx).run('delete from ballots where id = ?', ballots[2]))
    const result = await verify('--process', String(id))
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`chain broken at index 2 (ballot ${ballots[3]}): its previous hash is not the hash of the ballot before it`)
    expect(result.stderr).toContain('the process records 5 ballots cast but the chain holds 4')
  })

  it('exits 2 for an unknown process or no process at all', async () => {
    expect((await verify('--process', '999999')).code).toBe(2)
    const usage = await verify()
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('Usage: npm run tally:verify -- --process ID')
  })
})
