import { RemixBrowser } from '@remix-run/react'
import { startTransition, StrictMode, useEffect } from 'react'
import { hydrateRoot } from 'react-dom/client'
import i18next from 'i18next'
import { I18nextProvider, initReactI18next } from 'react-i18next'
import { fallbackLocale, i18nOptions, isLocale } from './lib/i18n'
import { RequestContext } from './lib/context'

// Only the page's language is downloaded; the others stay out of the bundle the browser runs.
const loaders = {
  en: () => import('./locales/en/index'),
  es: () => import('./locales/es/index'),
  fr: () => import('./locales/fr/index'),
}

/**
 * Marks the page hydrated (`<html data-hydrated>`): its effect runs once React has committed the
 * hydrated page, after any hydration error was reported. The browser tests wait for it instead of
 * half a second of quiet network per page (tests/e2e/support.ts).
 */
function HydratedMark() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = 'true'
  }, [])
  return null
}

async function hydrate() {
  const lang = document.documentElement.lang
  const locale = isLocale(lang) ? lang : fallbackLocale
  const namespaces = (await loaders[locale]()).default
  await i18next.use(initReactI18next).init({ ...i18nOptions, ns: Object.keys(namespaces), lng: locale, resources: { [locale]: namespaces } })
  const meta = (name: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? ''
  startTransition(() => {
    hydrateRoot(
      document,
      <StrictMode>
        <RequestContext.Provider value={{ requestId: meta('request-id'), cspNonce: '' }}>
          <I18nextProvider i18n={i18next}>
            <RemixBrowser />
            <HydratedMark />
          </I18nextProvider>
        </RequestContext.Provider>
      </StrictMode>,
    )
  })
}

void hydrate()
