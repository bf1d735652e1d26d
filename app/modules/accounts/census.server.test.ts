import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { database, migrateOrThrow } from '../../lib/db.server'
import { seedDemo } from '../../../db/seed/index'
import { documentHash, importCensus, isValidBirthDate, normaliseDocument } from './census.server'

beforeAll(async () => {
  await migrateOrThrow(database())
  await seedDemo(database(), { seed: 1, scale: 0.01 })
})

describe('census documents', () => {
  it('normalises spacing, dots, dashes and case', () => {
    expect(normaliseDocument(' 12.345.678-z ')).toBe('12345678Z')
  })

  it('stores a keyed hash that differs from a plain hash and is stable', async () => {
    const h = await documentHash('12345678Z')
    expect(h).toMatch(/^[0-9a-f]{64}$/)
    expect(await documentHash('12 345 678 z')).toBe(h)
    const { createHash } = await import('node:crypto')
    expect(h).not.toBe(createHash('sha256').update('12345678Z').digest('hex'))
  })

  it.each([
    ['1980-04-12', true],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['1980-13-01', false],
    ['12/04/1980', false],
    ['2999-01-01', false],
    ['1850-01-01', false],
  ])('birth date %s is valid: %s', (value, valid) => {
    expect(isValidBirthDate(value)).toBe(valid)
  })
})

describe('importCensus', () => {
  it('adds, updates, leaves unchanged and rejects with line numbers', async () => {
    const first = await importCensus('document_number,birth_date,area\nA1,1990-01-01,ribera-nord\nA2,1991-01-01,ribera-sud\n', { importedBy: null, sourceName: 'a.csv' })
    expect(first).toMatchObject({ added: 2, updated: 0, unchanged: 0, rejected: [] })
    const second = await importCensus('Document_Number , Birth_Date, Area\nA1,1990-01-01,ribera-nord\nA2,1991-01-02,ribera-sud\nA3,bad,ribera-sud\n', { importedBy: null, sourceName: 'b.csv' })
    expect(second).toMatchObject({ added: 0, updated: 1, unchanged: 1, rejected: [{ row: 4, reason: 'badDate', detail: 'bad' }] })
  })

  it('rejects a file without the required columns', async () => {
    const report = await importCensus('dni,fecha\nX,1990-01-01\n', { importedBy: null, sourceName: 'c.csv' })
    expect(report.rejected).toEqual([{ row: 1, reason: 'badColumns', detail: 'document_number, birth_date, area' }])
    expect(report.added).toBe(0)
  })

  it('reports a malformed CSV instead of failing', async () => {
    const report = await importCensus('document_number,birth_date,area\nB1,1990-01-01,ribera-nord\n"B2,1990-01-01,ribera-nord\n', { importedBy: null, sourceName: 'd.csv' })
    expect(report.rejected.some((r) => r.reason === 'badColumns' && /quote/i.test(r.detail ?? ''))).toBe(true)
  })

  it('is also a command: npm run census:import FILE', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'census-')), 'census.csv')
    fs.writeFileSync(file, 'document_number,birth_date,area\nC1,1990-01-01,ribera-nord\nC2,1990-01-01,nowhere\n')
    const root = path.resolve(import.meta.dirname, '../../..')
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/census-import.ts'), file], {
      cwd: root,
      env: { ...process.env, DEFAULT_LOCALE: 'en' },
    })
    expect(stdout).toContain('Added: 1')
    expect(stdout).toContain('Rejected: 1')
    expect(stdout).toContain('Row 3: unknown area “nowhere”')
  })
})
