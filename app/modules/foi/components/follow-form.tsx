import { Form, Link } from '@remix-run/react'
import { useTranslation } from 'react-i18next'

/** Follow or stop following a request or a body (logged in; a plain POST form), and its feeds. */
export function FoiFollow({ kind, following, loggedIn, here, feeds }: { kind: 'request' | 'body'; following: boolean; loggedIn: boolean; here: string; feeds?: string }) {
  const { t } = useTranslation('foi')
  return (
    <section className="foi-follow" aria-label={t('follow.heading')}>
      {loggedIn ? (
        <Form method="post">
          <input type="hidden" name="intent" value={following ? 'unfollow' : 'follow'} />
          <p>
            {following ? `${t(`follow.following.${kind}`)} ` : null}
            <button type="submit" data-testid="foi-follow">
              {following ? t('follow.stop') : t(`follow.start.${kind}`)}
            </button>
          </p>
        </Form>
      ) : (
        <p>
          <Link to={`/login?redirectTo=${encodeURIComponent(here)}`}>{t(`follow.login.${kind}`)}</Link>
        </p>
      )}
      {feeds ? (
        <p>
          {t('follow.feeds')} <a href={`${feeds}.rss`}>{t('follow.rss')}</a> · <a href={`${feeds}.atom`}>{t('follow.atom')}</a>
        </p>
      ) : null}
    </section>
  )
}
