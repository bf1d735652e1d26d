import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { storeAttachmentFile, sweepAttachmentFiles } from '../../lib/attachment-files.server'
import { database } from '../../lib/db.server'
import { seededDatabase } from '../../../tests/support/fixtures'
import { attachmentNamesInUse, receiveAnswer } from './foi.server'

/**
 * The FOI side of the file sweep (ADR 150): an answer's stored attachment is "in use" by its row and
 * survives the sweep; a file the holding pen's mail left (no row) is removed. On both engines the
 * question is asked of foi_attachments (on PostgreSQL nothing is stored as a file, but the answer is the same).
 */
let token: string
beforeAll(async () => {
  await seededDatabase()
  const row = await database().db.selectFrom('foi_requests').select('token').where('status', '=', 'awaiting').orderBy('id').executeTakeFirstOrThrow()
  token = row.token
})

describe('attachmentNamesInUse', () => {
  it('names the files an answer uses, and only those; the sweep keeps them and removes the rest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-foi-sweep-'))
    try {
      const used = await storeAttachmentFile(Buffer.from('%PDF-1.4 an answer’s document'), dir)
      const held = await storeAttachmentFile(Buffer.from('a document mailed to an unknown address'), dir)
      const result = await receiveAnswer(token, {
        from: 'foi@body.example',
        subject: 'Your request',
        text: 'Please find the document attached.',
        messageId: '<sweep-test@body.example>',
        attachments: [{ filename: 'answer.pdf', mime: 'application/pdf', text: 'an answer', file: used }],
      })
      expect(result.kind).toBe('ok')
      expect(await attachmentNamesInUse([used.sha256, held.sha256])).toEqual(new Set([used.sha256]))
      expect(await attachmentNamesInUse([])).toEqual(new Set())
      const outcome = await sweepAttachmentFiles(attachmentNamesInUse, { dir, graceMs: 0, now: Date.now() + 1000 })
      expect(outcome).toMatchObject({ removed: 1, kept: 1 })
      expect(fs.existsSync(path.join(dir, used.sha256.slice(0, 2), used.sha256))).toBe(true)
      expect(fs.existsSync(path.join(dir, held.sha256.slice(0, 2), held.sha256))).toBe(false)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
