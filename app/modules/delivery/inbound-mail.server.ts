import { registerInboundHandler } from '../../lib/mail/inbound.server'
import { logger } from '../../lib/logger.server'
import { receiveReply } from './delivery.server'

/**
 * Replies to reports sent to bodies by e-mail (issue 19) arrive on Plaza's shared inbound SMTP
 * endpoint (app/lib/mail/inbound.server.ts, ADR 125) at report-<token>@INBOUND_MAIL_DOMAIN. An
 * unknown token is held for an administrator; a reply from outside the body's domain is refused.
 */
export function registerDeliveryInbound() {
  return registerInboundHandler('report-', async (mail) => {
    const result = await receiveReply(mail.token, mail.from, mail.text)
    logger().info({ reply: result.kind, from: mail.from }, 'reply to a report received by e-mail')
    if (result.kind === 'unknown') return { kind: 'hold', reason: 'unknown' }
    if (result.kind === 'notFromBody') return { kind: 'refused', code: 550, message: '5.7.1 Only the body the report was sent to may answer it here' }
    return { kind: 'accepted' }
  })
}
