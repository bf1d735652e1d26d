import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { attachmentPath, readAttachmentFile, storeAttachmentFile, sweepAttachmentFiles } from './attachment-files.server'

/** The sweep of stored attachment files no row names (ADR 150), on a real folder. */
let dir: string
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-attachments-'))
})
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

const HOUR = 60 * 60_000
const age = (file: string, ms: number) => {
  const then = new Date(Date.now() - ms)
  fs.utimesSync(file, then, then)
}
const named = (names: Set<string>) => async (asked: string[]) => new Set(asked.filter((n) => names.has(n)))

describe('sweepAttachmentFiles', () => {
  it('removes old files no row names, keeps named and recent ones, and clears old temporary leftovers', async () => {
    const used = await storeAttachmentFile(Buffer.from('named by a row'), dir)
    const orphan = await storeAttachmentFile(Buffer.from('held mail, no row'), dir)
    const fresh = await storeAttachmentFile(Buffer.from('written a minute ago, row not yet committed'), dir)
    age(attachmentPath(used.sha256, dir), 2 * HOUR)
    age(attachmentPath(orphan.sha256, dir), 2 * HOUR)
    age(attachmentPath(fresh.sha256, dir), 60_000)
    const leftover = path.join(dir, 'tmp', 'crashed-write')
    fs.writeFileSync(leftover, 'half')
    age(leftover, 2 * HOUR)
    const outcome = await sweepAttachmentFiles(named(new Set([used.sha256])), { dir })
    expect(outcome).toEqual({ removed: 1, kept: 2, leftovers: 1 })
    expect(fs.existsSync(attachmentPath(orphan.sha256, dir))).toBe(false)
    expect(fs.existsSync(leftover)).toBe(false)
    expect((await readAttachmentFile(used.sha256, dir)).toString()).toBe('named by a row')
    expect((await readAttachmentFile(fresh.sha256, dir)).toString()).toContain('row not yet committed')
    // Nothing of the sweep's own is left beside the files.
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([])
  })

  it('keeps an old file that the same content stored again has just touched', async () => {
    const first = await storeAttachmentFile(Buffer.from('the same PDF, sent twice an hour apart'), dir)
    age(attachmentPath(first.sha256, dir), 2 * HOUR)
    const again = await storeAttachmentFile(Buffer.from('the same PDF, sent twice an hour apart'), dir)
    expect(again.sha256).toBe(first.sha256)
    const outcome = await sweepAttachmentFiles(named(new Set()), { dir })
    expect(outcome.removed).toBe(0)
    expect(fs.existsSync(attachmentPath(first.sha256, dir))).toBe(true)
  })

  it('puts a file back when a row names it between the look and the removal', async () => {
    const stored = await storeAttachmentFile(Buffer.from('named while the sweep ran'), dir)
    age(attachmentPath(stored.sha256, dir), 2 * HOUR)
    let asked = 0
    // The first question (the batch) finds no row; the second (after the move aside) finds the new one.
    const outcome = await sweepAttachmentFiles(async (names) => (++asked === 1 ? new Set() : new Set(names)), { dir })
    expect(asked).toBe(2)
    expect(outcome).toEqual({ removed: 0, kept: 1, leftovers: 0 })
    expect((await readAttachmentFile(stored.sha256, dir)).toString()).toBe('named while the sweep ran')
  })

  it('does nothing where no file was ever stored, and never reads a name that is not a SHA-256', async () => {
    expect(await sweepAttachmentFiles(named(new Set()), { dir: path.join(dir, 'none') })).toEqual({ removed: 0, kept: 0, leftovers: 0 })
    fs.mkdirSync(path.join(dir, 'ab'))
    fs.writeFileSync(path.join(dir, 'ab', 'notes.txt'), 'not ours')
    age(path.join(dir, 'ab', 'notes.txt'), 2 * HOUR)
    const asked: string[] = []
    await sweepAttachmentFiles(async (names) => (asked.push(...names), new Set()), { dir })
    expect(asked).toEqual([])
    expect(fs.existsSync(path.join(dir, 'ab', 'notes.txt'))).toBe(true)
  })
})
