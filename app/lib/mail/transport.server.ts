import nodemailer from 'nodemailer'

/** What the sender needs from a transport; nodemailer's SMTP transporter is one. */
export interface OutgoingMail {
  from: string
  to: string
  replyTo?: string
  subject: string
  text: string
  html?: string
  /** Inline pictures the HTML part shows with `cid:`. */
  attachments?: Array<{ filename: string; contentType: string; cid: string; content: Buffer; contentDisposition: 'inline' }>
  headers: Record<string, string>
  messageId: string
}

export interface MailTransport {
  sendMail(mail: OutgoingMail): Promise<{ messageId?: string; response?: string }>
  close?(): void
}

/**
 * An SMTP transport from MAIL_URL (smtp://user:password@host:587, or smtps:// for port 465).
 * Its timeouts are shorter than the outbox's send margin (outbox.server.ts), so a send that hangs
 * ends long before another sender could claim the same mail.
 */
export function createSmtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 60_000,
  })
  return {
    async sendMail(mail) {
      const info = await transporter.sendMail(mail)
      return { messageId: info.messageId, response: info.response }
    },
    close: () => transporter.close(),
  }
}

export interface Failure {
  /** True when trying again cannot help: the server refused the mail for good (SMTP 5xx). */
  permanent: boolean
  /** What to record: the server's reply when there is one. */
  message: string
}

// Errors of the message itself rather than of the connection: sending it again would fail again.
const PERMANENT_CODES = new Set(['EENVELOPE', 'EMESSAGE'])

/**
 * Temporary: connection and TLS errors, timeouts, 4xx replies, and refused logins (a configuration
 * mistake an operator can fix; the mail itself is fine). Permanent: 5xx replies to the mail.
 */
export function classifyFailure(error: unknown): Failure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    responseCode?: unknown
    response?: unknown
    code?: unknown
    message?: unknown
  }
  const code = typeof e.code === 'string' ? e.code : undefined
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined
  const reply = typeof e.response === 'string' && e.response.trim() ? e.response.trim() : undefined
  const message = (reply ?? (typeof e.message === 'string' ? e.message : String(error))).slice(0, 1000)
  if (code === 'EAUTH' || code === 'ENOAUTH') return { permanent: false, message }
  if (responseCode !== undefined) return { permanent: responseCode >= 500 && responseCode < 600, message }
  return { permanent: code !== undefined && PERMANENT_CODES.has(code), message }
}
