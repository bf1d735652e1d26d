import { database } from '../../lib/db.server'
import { recordAudit } from '../moderation/moderation.server'
import { attachmentBytes, reindexRequest, type ModerationResult, type Viewer } from './foi.server'
import { isEmptyRedaction, redactPdf, type PdfRedaction } from './pdf-redact.server'
import { pdfText } from './pdf-text.server'

/**
 * Redacting an answer's PDF (issue 22): the requester or an administrator withholds pages and
 * blacks out words or areas; the public gets the redacted copy (pdf-redact.server.ts) and its text,
 * for display and search; the original file and text stay in the row, for administrators. Audited.
 */

export const isPdfFile = (f: { mime: string; filename: string; data: Buffer }) => f.mime === 'application/pdf' || /\.pdf$/i.test(f.filename) || f.data.subarray(0, 5).toString('latin1') === '%PDF-'

export type DocumentRedactionResult = ModerationResult | { kind: 'notPdf' } | { kind: 'unreadable' } | { kind: 'noSuchPage'; pages: number }

/** The redaction stored on a document, for its form. */
export function readRedaction(json: string | null): PdfRedaction {
  if (!json) return { pages: [], words: [], areas: [] }
  try {
    const r = JSON.parse(json) as PdfRedaction
    return { pages: r.pages ?? [], words: r.words ?? [], areas: r.areas ?? [] }
  } catch {
    return { pages: [], words: [], areas: [] }
  }
}

export async function redactDocument(actor: Viewer, requestId: number, attachmentId: number, redaction: PdfRedaction, withheldLabel: string): Promise<DocumentRedactionResult> {
  const { db } = database()
  const r = await db.selectFrom('foi_requests').select('user_id').where('id', '=', requestId).executeTakeFirst()
  if (!r) return { kind: 'notFound' }
  if (!actor.isAdmin && actor.id !== r.user_id) return { kind: 'forbidden' }
  const f = await db
    .selectFrom('foi_attachments')
    .select(['id', 'filename', 'mime', 'data', 'sha256', 'redaction', 'hidden'])
    .where('id', '=', attachmentId)
    .where('request_id', '=', requestId)
    .executeTakeFirst()
  if (!f) return { kind: 'notFound' }
  // The original: its file beside the database (ADR 150) or the row's blob.
  const original = await attachmentBytes(f)
  if (!isPdfFile({ ...f, data: original })) return { kind: 'notPdf' }
  let copy: Buffer | null = null
  let text: string | null = null
  if (!isEmptyRedaction(redaction)) {
    // The PDF is read and written outside the write: the database is never held meanwhile.
    const made = await redactPdf(original, redaction, withheldLabel)
    if (made.kind !== 'ok') return made
    copy = made.data
    text = await pdfText(copy)
  }
  return database().write(async (trx) => {
    const empty = copy === null
    await trx
      .updateTable('foi_attachments')
      .set({ redacted_data: copy, redaction: empty ? null : JSON.stringify(redaction), redacted_text: empty ? null : (text ?? '') })
      .where('id', '=', attachmentId)
      .execute()
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'foi.attachment.redact_pdf',
      targetKind: 'foi_attachment',
      targetId: attachmentId,
      before: { redaction: f.redaction ? (JSON.parse(f.redaction) as unknown) : null },
      after: { redaction: empty ? null : redaction },
    })
    await reindexRequest(trx, requestId)
    return { kind: 'ok' } as const
  })
}
