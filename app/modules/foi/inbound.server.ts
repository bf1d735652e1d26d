import { registerInboundHandler, type InboundMail } from '../../lib/mail/inbound.server'
import { readAttachmentFile } from '../../lib/attachment-files.server'
import { logger } from '../../lib/logger.server'
import { REQUEST_PREFIX, receiveAnswer } from './foi.server'
import { officeKind, officeText } from './office-text.server'
import { pdfText } from './pdf-text.server'

/**
 * Answers to information requests arrive on Plaza's shared inbound SMTP endpoint (ADR 125) at
 * request-<token>@INBOUND_MAIL_DOMAIN. They are spooled (acknowledged once on disk) and handed here
 * after; mailparser has already read the message; here PDFs and office files (docx, xlsx, pptx,
 * odt, ods, odp) get their text (outside the write, so the database is never held while a document
 * is read) and the answer is stored on its request. An unknown or closed request's mail goes to the
 * holding pen.
 */

type Attachment = InboundMail['attachments'][number]
const isPdf = (a: Attachment, content: Buffer) => a.contentType === 'application/pdf' || /\.pdf$/i.test(a.filename) || content.subarray(0, 5).toString('latin1') === '%PDF-'
const isText = (a: Attachment) => a.contentType.startsWith('text/plain')

export async function handleAnswerMail(mail: InboundMail) {
  const attachments = []
  for (const a of mail.attachments) {
    let text: string | null = null
    const office = officeKind(a.contentType, a.filename)
    // A spooled answer's PDFs and plain text were read on a parse thread (ADR 144); others are read here.
    if (a.text !== undefined) text = a.text
    else if (office) text = officeText(a.content ?? (await readAttachmentFile(a.file!.sha256)), office)
    else if (a.content && isPdf(a, a.content)) text = await pdfText(a.content)
    else if (a.content && isText(a)) text = a.content.toString('utf8').slice(0, 1_000_000)
    // Stored as a file by the parse thread (ADR 150: SQLite), else the bytes go into the row.
    if (a.file) attachments.push({ filename: a.filename, mime: a.contentType, file: a.file, text })
    else attachments.push({ filename: a.filename, mime: a.contentType, data: a.content ?? Buffer.alloc(0), text })
  }
  const result = await receiveAnswer(mail.token, { from: mail.from, subject: mail.subject, text: mail.text, messageId: mail.messageId, attachments })
  logger().info({ answer: result.kind, request: result.kind === 'ok' ? result.requestId : undefined }, 'answer to an information request received')
  if (result.kind === 'unknown') return { kind: 'hold', reason: 'unknown' } as const
  if (result.kind === 'closed') return { kind: 'hold', reason: 'closed' } as const
  return { kind: 'accepted' } as const
}

export function registerFoiInbound() {
  // Spooled: acknowledged once on disk, stored after (receiveAnswer stores a repeated Message-ID once).
  return registerInboundHandler(REQUEST_PREFIX, handleAnswerMail, { spool: true })
}
