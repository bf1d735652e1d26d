import { useEffect, useRef, type ReactNode } from 'react'
import { Form, Link, NavLink, useLocation } from '@remix-run/react'
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
  siteName,
  logo,
  languages,
  navigation,
  locale,
  path,
  user,
  banner,
}: {
  city: string | null
  /** The council's name for the site (else Plaza's), its logo, the languages it offers. */
  siteName?: string | null
  logo?: string | null
  languages?: readonly string[]
  navigation: NavItem[]
  locale: string
  path: string
  user: HeaderUser | null
  banner?: ReactNode
}) {
  const { t } = useTranslation()
  const menu = useRef<HTMLDetailsElement>(null)
  const { pathname, search } = useLocation()
  // A page reached from the menu opens with the menu closed (the <details> element keeps its state across client navigation).
  useEffect(() => {
    if (menu.current) menu.current.open = false
  }, [pathname, search])
  return (
    <>
      {banner}
      <header className="site-header">
        <div className="site-header__inner">
          <Link to="/" className="brand">
            {logo ? <img src={logo} alt="" className="brand__logo" /> : null}
            <span className="brand__name">{siteName || t('site.name')}</span>
            {city ? <span className="brand__city">{city}</span> : null}
          </Link>
          {/* A phone shows one line and a Menu button (a plain <details>: no JavaScript needed); a desktop shows everything (app.css). */}
          <details className="site-menu" ref={menu}>
            <summary className="site-menu__toggle">
              <span className="site-menu__icon" aria-hidden="true" />
              {t('nav.menu')}
            </summary>
            <div className="site-menu__panel">
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
              <div className="site-tools">
                <AccountLinks user={user} path={path} />
                {languages && languages.length < 2 ? null : <LanguageSwitcher locale={locale} path={path} languages={languages} />}
              </div>
            </div>
          </details>
        </div>
      </header>
    </>
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
    // A landmark of its own: it sits above the header, which stays one line on a phone.
    <aside aria-label={t('demo.label')}>
      <p className="demo-banner">
        {t('demo.banner')} <a href="/dev/mail">{t('demo.link')}</a>.
      </p>
    </aside>
  )
}

/** Works without JavaScript: a plain POST to /language that sets a cookie and comes back here. */
export function LanguageSwitcher({ locale, path, id = 'header-language', languages = supportedLocales }: { locale: string; path: string; id?: string; languages?: readonly string[] }) {
  const { t } = useTranslation()
  return (
    <Form method="post" action="/language" className="language-switcher" reloadDocument>
      <input type="hidden" name="redirectTo" value={path} />
      <label htmlFor={id}>{t('language.label')}</label>
      <select id={id} name="locale" defaultValue={locale} key={locale}>
        {supportedLocales
          .filter((l) => languages.includes(l))
          .map((l) => (
            <option key={l} value={l} lang={l}>
              {t(`language.${l}`)}
            </option>
          ))}
      </select>
      <button type="submit">{t('language.submit')}</button>
    </Form>
  )
}

export function SiteFooter({ pages = [], contactEmail = null }: { pages?: readonly string[]; contactEmail?: string | null }) {
  const { t } = useTranslation()
  return (
    <footer className="site-footer">
      <p>{t('footer.about')}</p>
      <p>
        <Link to="/language">{t('footer.language')}</Link> · <Link to="/data">{t('opendata:nav')}</Link>
      </p>
      {pages.length || contactEmail ? (
        <nav aria-label={t('city:footer.legal')}>
          <ul className="footer-links">
            {pages.map((slug) => (
              <li key={slug}>
                <Link to={`/pages/${slug}`}>{t(`city:pages.names.${slug}`)}</Link>
              </li>
            ))}
            {contactEmail ? (
              <li>
                <a href={`mailto:${contactEmail}`}>{t('city:footer.contact')}</a>
              </li>
            ) : null}
          </ul>
        </nav>
      ) : null}
    </footer>
  )
}
