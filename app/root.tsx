import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node'
import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useLocation, useMatches, useRouteError, useRouteLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { useChangeLanguage } from 'remix-i18next/react'
import stylesUrl from './styles/app.css'
import { localeOf } from './lib/i18n.server'
import { cityDefaultLocale } from './lib/localized.server'
import { fallbackLocale } from './lib/i18n'
import { useRequestContext } from './lib/context'
import { navigation } from './lib/capabilities'
import { cityProfile } from './modules/geo/areas.server'
import { getUser } from './modules/accounts/auth.server'
import { devMail } from './lib/mail/dev-mail.server'
import { can } from './modules/accounts/policy'
import { DemoBanner, SiteHeader, SiteFooter } from './components/layout'
import { oembedDiscovery } from './modules/embed/oembed.server'
import { brandFor, publishedPages } from './modules/city/identity.server'
import { shade } from './modules/city/policy'
import { embedLocale, isBareLayout, WIDGET_RESIZE_SCRIPT } from './components/embed/bare'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesUrl },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export async function loader({ request }: LoaderFunctionArgs) {
  const url = new URL(request.url)
  // Widget pages follow the embedding page's language when asked (?lang=); oEmbed discovery on pages that have a widget.
  const [detected, city, user, oembed, mail] = await Promise.all([localeOf(request), cityProfile(), getUser(request), oembedDiscovery(request), devMail()])
  const locale = embedLocale(url) ?? detected
  // The site's identity (app/modules/city): its name, logo, colour, languages and legal pages.
  const [brand, pages] = await Promise.all([brandFor(locale), publishedPages()])
  return {
    locale,
    // The fallback language of names administrators enter (app/components/useNames.ts).
    defaultLocale: cityDefaultLocale(),
    oembed,
    city,
    brand,
    pages,
    navigation,
    path: url.pathname + url.search,
    user: user ? { name: user.displayName, council: can(user, 'council:access'), admin: can(user, 'admin:access'), moderation: can(user, 'moderation:access') } : null,
    // The demo banner leads to /dev/mail: shown exactly where that page exists.
    devMail: mail.enabled,
  }
}

export const handle = { i18n: 'common' }

export type RootData = ReturnType<typeof useRootData>
export function useRootData() {
  return useRouteLoaderData<typeof loader>('root')
}

export function Layout({ children }: { children: React.ReactNode }) {
  const data = useRootData()
  const error = useRouteError()
  const { i18n, t } = useTranslation()
  const { requestId, cspNonce } = useRequestContext()
  const locale = data?.locale ?? i18n.language ?? fallbackLocale
  const matches = useMatches()
  if (isBareLayout(matches)) {
    // Widget pages (handle: { layout: 'bare' }): no header, navigation or footer; the frame's height goes to the embedding page.
    return (
      <html lang={locale} dir={i18n.dir(locale)}>
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="request-id" content={requestId} />
          {error ? <title>{`${errorTitle(error, t)} · Plaza`}</title> : <Meta />}
          <Links />
        </head>
        <body className="embed-body">
          <main id="main" className="embed">
            {children}
          </main>
          <Scripts nonce={cspNonce} />
          <script nonce={cspNonce} suppressHydrationWarning dangerouslySetInnerHTML={{ __html: WIDGET_RESIZE_SCRIPT }} />
        </body>
      </html>
    )
  }
  return (
    <html lang={locale} dir={i18n.dir(locale)}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="request-id" content={requestId} />
        {error ? <title>{`${errorTitle(error, t)} · Plaza`}</title> : <Meta />}
        <Links />
        {data?.brand?.favicon ? <link rel="icon" href={data.brand.favicon} /> : null}
        {data?.brand?.primaryColour ? (
          // The council's colour (checked for AA contrast against white when saved).
          <style nonce={cspNonce} suppressHydrationWarning>{`:root{--brand:${data.brand.primaryColour};--brand-dark:${shade(data.brand.primaryColour)}}`}</style>
        ) : null}
        {data?.oembed ? <link rel="alternate" type="application/json+oembed" href={data.oembed.href} title={data.oembed.title} /> : null}
      </head>
      <body>
        <a className="skip-link" href="#main">
          {t('nav.skip')}
        </a>
        <SiteHeader
          city={data?.brand?.cityName ?? data?.city?.name ?? null}
          siteName={data?.brand?.siteName ?? null}
          logo={data?.brand?.logo ?? null}
          languages={data?.brand?.languages}
          navigation={data?.navigation ?? navigation}
          locale={locale}
          path={data?.path ?? '/'}
          user={data?.user ?? null}
          banner={data?.devMail ? <DemoBanner /> : null}
        />
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        {/* The address search inside other forms gives its fields to this one (components/map/AddressSearch.tsx). */}
        <form id="plaza-address-search" action="/search/address" method="get" hidden />
        <SiteFooter pages={data?.pages ?? []} contactEmail={data?.brand?.contactEmail ?? null} />
        {hydrates(matches) ? (
          <>
            <ScrollRestoration nonce={cspNonce} />
            <Scripts nonce={cspNonce} />
          </>
        ) : null}
      </body>
    </html>
  )
}

/**
 * A page whose route says `handle: { hydrate: false }` is sent as HTML and CSS only: no React, no
 * Remix runtime, no catalogs (issue 18: a phone on a slow network reads it sooner). Such a page must
 * do everything without JavaScript, as every Plaza page already must; its links and forms are plain.
 * `hydrate` may be a function of the route's data: /processes/:slug hydrates only for signed-in people.
 */
function hydrates(matches: ReturnType<typeof useMatches>) {
  return !matches.some((m) => {
    // `hydrate` may also be a function of the route's loader data (e.g. hydrated for signed-in people only).
    const hydrate = (m.handle as { hydrate?: boolean | ((data: unknown) => boolean) } | undefined)?.hydrate
    return hydrate === false || (typeof hydrate === 'function' && !hydrate(m.data))
  })
}

export default function App() {
  const data = useRootData()
  useChangeLanguage(data?.locale ?? fallbackLocale)
  return <Outlet />
}

function errorTitle(error: unknown, t: (key: string, values?: Record<string, unknown>) => string) {
  if (isRouteErrorResponse(error)) {
    if (error.status === 404) return t('errors.notFoundTitle')
    if (error.status === 403) return t('errors.forbiddenTitle')
    if (error.status < 500) return t('errors.errorTitle', { status: error.status })
  }
  return t('errors.serverErrorTitle')
}

export function ErrorBoundary() {
  const error = useRouteError()
  const { t } = useTranslation()
  const { requestId, unavailable } = useRequestContext()
  const here = useLocation()
  if (unavailable) {
    return (
      <section className="error-page">
        <h1>{t('errors.unavailableTitle')}</h1>
        <p>{t('errors.unavailableBody')}</p>
        <p>
          <a href={here.pathname + here.search}>{t('errors.tryAgain')}</a>
        </p>
      </section>
    )
  }
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <section className="error-page">
        <h1>{t('errors.notFoundTitle')}</h1>
        <p>{t('errors.notFoundBody')}</p>
        <p>
          <a href="/">{t('errors.backHome')}</a>
        </p>
      </section>
    )
  }
  if (isRouteErrorResponse(error) && error.status === 403) {
    return (
      <section className="error-page">
        <h1>{t('errors.forbiddenTitle')}</h1>
        <p>{t('errors.forbiddenBody')}</p>
        <p>
          <a href="/">{t('errors.backHome')}</a>
        </p>
      </section>
    )
  }
  if (isRouteErrorResponse(error) && error.status < 500) {
    return (
      <section className="error-page">
        <h1>{t('errors.errorTitle', { status: error.status })}</h1>
        <p>{typeof error.data === 'string' ? error.data : t('errors.badRequestTitle')}</p>
        <p>
          <a href="/">{t('errors.backHome')}</a>
        </p>
      </section>
    )
  }
  return (
    <section className="error-page">
      <h1>{t('errors.serverErrorTitle')}</h1>
      <p>{t('errors.serverErrorBody')}</p>
      {requestId ? (
        <p>
          {t('errors.referenceLabel')} <code data-testid="request-id">{requestId}</code>
        </p>
      ) : null}
      <p>
        <a href="/">{t('errors.backHome')}</a>
      </p>
    </section>
  )
}
