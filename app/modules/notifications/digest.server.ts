import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { translator } from '../../lib/i18n.server'
import { logger } from '../../lib/logger.server'
import { composeMail, queueMail } from '../../lib/mail/outbox.server'
import { digestUnsubscribeToken, keyIn, localeOf, unsubscribeHeaders, unsubscribePath } from './notify.server'

/**
 * The daily digest: each address with daily subscriptions gets at most one mail a day, listing
 * everything since its last digest. An address is due 24 hours after its last digest (or, before
 * its first, 24 hours after the oldest event waiting for it).
 *
 * Safe with several servers and when run twice: each address is sent inside one write that reads
 * its waiting rows again and marks them sent (`sent_at is null` → now) before queueing the mail, so
 * whichever run comes second finds nothing waiting, or an address that is not due any more.
 */

export const DIGEST_INTERVAL_MS = 24 * 3600_000
/** Lines in one digest (the rest say "and N more" with a link). */
export const DIGEST_MAX_ITEMS = 100
const BATCH = 200

const link = (path: string) => `${config().PUBLIC_URL}${path}`

/** Addresses with waiting digest rows, and when each is due. */
async function dueAddresses(at: Date): Promise<string[]> {
  const rows = await database()
    .db.selectFrom('notifications as n')
    .innerJoin('subscriptions as s', 's.id', 'n.subscription_id')
    .select(['s.email_key'])
    .select((eb) => [eb.fn.min('n.created_at').as('oldest'), eb.fn.max('s.last_digest_at').as('last')])
    .where('n.sent_at', 'is', null)
    .where('s.mode', '=', 'daily')
    .where('s.unsubscribed_at', 'is', null)
    .groupBy('s.email_key')
    .limit(10_000)
    .execute()
  const cutoff = at.getTime() - DIGEST_INTERVAL_MS
  return rows.filter((r) => Date.parse((r.last as string | null) ?? (r.oldest as string)) <= cutoff).map((r) => r.email_key)
}

/** Sends every due digest; returns how many mails were queued. `at` is injectable for tests. */
export async function sendDigests(at: Date = new Date()): Promise<number> {
  const due = await dueAddresses(at)
  let sent = 0
  for (let i = 0; i < due.length; i += BATCH) {
    const batch = due.slice(i, i + BATCH)
    sent += await database().write(async (trx) => {
      const key = await keyIn(trx)
      if (!key) return 0
      const stamp = at.toISOString()
      const cutoff = new Date(at.getTime() - DIGEST_INTERVAL_MS).toISOString()
      let queued = 0
      for (const emailKey of batch) {
        const subs = await trx
          .selectFrom('subscriptions')
          .select(['id', 'email', 'locale', 'last_digest_at'])
          .where('email_key', '=', emailKey)
          .where('mode', '=', 'daily')
          .where('confirmed_at', 'is not', null)
          .where('unsubscribed_at', 'is', null)
          .orderBy('id')
          .execute()
        if (subs.length === 0) continue
        const last = subs.reduce<string | null>((max, s) => (s.last_digest_at && (!max || s.last_digest_at > max) ? s.last_digest_at : max), null)
        // Checked again inside the write: another run may have sent this address's digest meanwhile.
        if (last && last > cutoff) continue
        const waiting = await trx
          .selectFrom('notifications')
          .select(['id', 'title', 'text', 'url', 'created_at'])
          .where(
            'subscription_id',
            'in',
            subs.map((s) => s.id),
          )
          .where('sent_at', 'is', null)
          .orderBy('id')
          .execute()
        if (waiting.length === 0) continue
        if (!last && waiting[0]!.created_at > cutoff) continue
        const marked = await trx
          .updateTable('notifications')
          .set({ sent_at: stamp })
          .where(
            'id',
            'in',
            waiting.map((n) => n.id),
          )
          .where('sent_at', 'is', null)
          .executeTakeFirst()
        if (Number(marked.numUpdatedRows) !== waiting.length) continue
        await trx
          .updateTable('subscriptions')
          .set({ last_digest_at: stamp })
          .where(
            'id',
            'in',
            subs.map((s) => s.id),
          )
          .execute()

        const first = subs[0]!
        const locale = localeOf(first.locale)
        const t = translator(locale)
        const token = digestUnsubscribeToken(key, first.id)
        const shown = waiting.slice(0, DIGEST_MAX_ITEMS)
        const lines = shown.map((n) => [n.title, ...(n.text ? [n.text] : []), link(n.url)].join('\n'))
        if (waiting.length > shown.length) lines.push(t('notifications:mail.digest.more', { count: waiting.length - shown.length }))
        try {
          const mail = composeMail({
            locale,
            subject: t('notifications:mail.digest.subject', { count: waiting.length }),
            paragraphs: [t('notifications:mail.digest.intro', { count: waiting.length }), ...lines],
            action: { label: t('notifications:mail.digest.action'), url: link('/account/subscriptions') },
            footer: t('notifications:mail.digest.footer', { url: link(unsubscribePath(token)), all: link('/account/subscriptions') }),
          })
          await queueMail(trx, { kind: 'follow.digest', to: first.email, ...mail, headers: unsubscribeHeaders(token) })
          queued++
        } catch (error) {
          logger().warn({ emailKey, err: error }, 'follow digest not queued')
        }
      }
      return queued
    })
  }
  return sent
}

/** Runs the digest every 10 minutes (each address is only due once a day). */
export function startDigestJob(): () => void {
  const run = () =>
    sendDigests()
      .then((n) => (n ? logger().info({ digests: n }, 'follow digests queued') : undefined))
      .catch((error) => logger().error({ err: error }, 'follow digests failed'))
  const first = setTimeout(run, 20_000)
  const timer = setInterval(run, 10 * 60_000)
  first.unref()
  timer.unref()
  return () => {
    clearTimeout(first)
    clearInterval(timer)
  }
}
