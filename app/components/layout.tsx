import type { ReactNode } from 'react'
import { Form, Link, NavLink } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { NavItem } from '../lib/capabilities'
import { supportedLocales } from '../lib/i18n'

export interface HeaderUser {
  name: string
  council: boolean
  admin: boolean
  moderation: boolean
}

export function SiteHeader({
  city,
  navigation,
  locale,
  path,
  user,
  banner,
}: {
  city: string | null
  navigation: NavItem[]
  locale: string
  path: string
  user: HeaderUser | null
  banner?: ReactNode
}) {
  const { t } = useTranslation()
  return (
    <header className="site-header">
      {banner}
      <div className="site-header__inner">
        <Link to="/" className="brand">
          <span className="brand__name">{t('site.name')}</span>
          {city ? <span className="brand__city">{city}</span> : null}
        </Link>
        <nav aria-label={t('nav.label')} className="site-nav">
          <ul>
            {navigation.map((item) => (
              <li key={item.path}>
                <NavLink to={item.path} end={item.path === '/'}>
                  {t(item.labelKey)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <AccountLinks user={user} path={path} />
        <LanguageSwitcher locale={locale} path={path} />
      </div>
    </header>
  )
}

function AccountLinks({ user, path }: { user: HeaderUser | null; path: string }) {
  const { t } = useTranslation('accounts')
  if (!user) {
    const back = path.startsWith('/login') || path.startsWith('/signup') ? '' : `?redirectTo=${encodeURIComponent(path)}`
    return (
      <ul className="account-links">
        <li>
          <Link to={`/login${back}`}>{t('nav.login')}</Link>
        </li>
        <li>
          <Link to="/signup">{t('nav.signup')}</Link>
        </li>
      </ul>
    )
  }
  return (
    <ul className="account-links">
      {user.moderation ? (
        <li>
          <Link to="/moderation">{t('moderation:nav')}</Link>
        </li>
      ) : null}
      {user.council ? (
        <li>
          <Link to="/council">{t('nav.council')}</Link>
        </li>
      ) : null}
      {user.admin ? (
        <li>
          <Link to="/admin">{t('nav.admin')}</Link>
        </li>
      ) : null}
      <li>
        <Link to="/account">{t('nav.account')}</Link>
      </li>
      <li>
        <Form method="post" action="/logout" reloadDocument>
          <button type="submit" className="link-button">
            {t('nav.logout')}
          </button>
        </Form>
      </li>
    </ul>
  )
}

/** Shown while e-mails are kept in the outbox instead of sent (DEV_MAIL): the demo. */
export function DemoBanner() {
  const { t } = useTranslation('accounts')
  return (
    <p className="demo-banner">
      {t('demo.banner')} <a href="/dev/mail">{t('demo.link')}</a>.
    </p>
  )
}

/** Works without JavaScript: a plain POST to /language that sets a cookie and comes back here. */
export function LanguageSwitcher({ locale, path, id = 'header-language' }: { locale: string; path: string; id?: string }) {
  const { t } = useTranslation()
  return (
    <Form method="post" action="/language" className="language-switcher" reloadDocument>
      <input type="hidden" name="redirectTo" value={path} />
      <label htmlFor={id}>{t('language.label')}</label>
      <select id={id} name="locale" defaultValue={locale} key={locale}>
        {supportedLocales.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`language.${l}`)}
          </option>
        ))}
      </select>
      <button type="submit">{t('language.submit')}</button>
    </Form>
  )
}

export function SiteFooter() {
  const { t } = useTranslation()
  return (
    <footer className="site-footer">
      <p>{t('footer.about')}</p>
      <p>
        <Link to="/language">{t('footer.language')}</Link> · <Link to="/data">{t('opendata:nav')}</Link>
      </p>
    </footer>
  )
}
