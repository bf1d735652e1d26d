import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { freePort } from './server'

/**
 * A real SMTP server on 127.0.0.1 that keeps every message it receives, parsed. Plaza delivers to
 * it through MAIL_URL exactly as it would to a city's mail server.
 */
export interface SmtpSink {
  url: string
  mails: ParsedMail[]
  /**
   * Connection errors the server reported (a Plaza stopped or killed mid-transaction resets its
   * connection: `read ECONNRESET`). Kept, not thrown: without a listener the server's 'error' event
   * would be an uncaught exception in the test process.
   */
  errors: Error[]
  /** Waits for the first message to `to` (optionally matching subject) that arrives after `since`. */
  waitFor(to: string, options?: { subject?: RegExp; timeoutMs?: number; after?: number }): Promise<ParsedMail>
  stop(): Promise<void>
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const port = await freePort()
  const mails: ParsedMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail)
          callback()
        })
        .catch(callback)
    },
  })
  const errors: Error[] = []
  server.on('error', (error: Error) => errors.push(error))
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const recipients = (mail: ParsedMail) => (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).flatMap((a) => a.value.map((v) => v.address?.toLowerCase()))
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    errors,
    async waitFor(to, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 15_000)
      for (;;) {
        const found = mails.slice(options.after ?? 0).find((m) => recipients(m).includes(to.toLowerCase()) && (!options.subject || options.subject.test(m.subject ?? '')))
        if (found) return found
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within the time; got: ${mails.map((m) => `${recipients(m).join(',')}: ${m.subject}`).join(' | ')}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The first Plaza link in a mail's text, path only. */
export function linkIn(mail: ParsedMail, pathPrefix: string): string {
  const match = new RegExp(`https?://[^\\s/]+(${pathPrefix.replace(/\//g, '\\/')}[^\\s)>"]*)`).exec(mail.text ?? '')
  if (!match) throw new Error(`no ${pathPrefix} link in: ${mail.text}`)
  return match[1]!
}
