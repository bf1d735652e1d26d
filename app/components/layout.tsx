import { Form, Link, NavLink } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { NavItem } from '../lib/capabilities'
import { supportedLocales } from '../lib/i18n'

export function SiteHeader({ city, navigation, locale, path }: { city: string | null; navigation: NavItem[]; locale: string; path: string }) {
  const { t } = useTranslation()
  return (
    <header className="site-header">
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
        <LanguageSwitcher locale={locale} path={path} />
      </div>
    </header>
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
        <Link to="/language">{t('footer.language')}</Link>
      </p>
    </footer>
  )
}
