import { simpleParser } from 'mailparser'
import { SMTPServer, type SMTPServerAddress } from 'smtp-server'
import { logger } from '../../lib/logger.server'
import { receiveReply, replyTokenOf } from './delivery.server'

/**
 * Plaza's inbound SMTP endpoint (issue 19): the city's mail exchanger (or the MX record of
 * INBOUND_MAIL_DOMAIN) hands it mail for report-<token>@…, the per-report reply addresses of
 * reports sent to bodies by e-mail. smtp-server speaks SMTP, mailparser reads the MIME message
 * (docs/decisions/120-report-delivery.md). Any other recipient is refused at RCPT (550), so the
 * endpoint relays nothing and keeps no mail that is not a reply.
 */

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code })

export async function startInboundMail(options: { port: number; host: string }): Promise<{ port: number; stop(): Promise<void> }> {
  const server = new SMTPServer({
    // A mail exchanger delivers without logging in; TLS belongs to the relay in front.
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    size: MAX_MESSAGE_BYTES,
    banner: 'Plaza replies',
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (!replyTokenOf(address.address)) return callback(smtpError(550, `5.1.1 <${address.address}> is not a report's reply address`))
      callback()
    },
    onData(stream, session, callback) {
      simpleParser(stream, { skipImageLinks: true, skipTextToHtml: true })
        .then(async (mail) => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) throw smtpError(552, '5.3.4 The message is too large')
          const from = mail.from?.value[0]?.address ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : null)
          const text = mail.text ?? ''
          for (const rcpt of session.envelope.rcptTo) {
            const token = replyTokenOf(rcpt.address)
            if (!token) continue
            const result = await receiveReply(token, from, text)
            logger().info({ reply: result.kind, from }, 'reply to a report received by e-mail')
            if (result.kind === 'unknown') throw smtpError(550, '5.1.1 No such report address')
            if (result.kind === 'notFromBody') throw smtpError(550, '5.7.1 Only the body the report was sent to may answer it here')
          }
        })
        .then(
          () => callback(),
          (error: Error & { responseCode?: number }) => callback(error.responseCode ? error : smtpError(451, '4.3.0 The reply could not be stored; try again later')),
        )
    },
  })
  server.on('error', (error) => logger().error({ err: error }, 'inbound SMTP error'))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  logger().info({ port, host: options.host }, 'inbound SMTP endpoint listening for replies to reports')
  return { port, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}
