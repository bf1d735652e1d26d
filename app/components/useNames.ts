import { useRouteLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { localize, type Localized } from '../lib/localized'

/**
 * Shows a name an administrator entered (localized JSON, or a plain legacy string) in the page's
 * language, falling back to the city's default language (app/lib/localized.ts).
 */
export function useNames(): (value: Localized | string | null | undefined) => string {
  const { i18n } = useTranslation()
  const root = useRouteLoaderData('root') as { locale?: string; defaultLocale?: string } | undefined
  const locale = root?.locale ?? i18n.language
  const fallback = root?.defaultLocale ?? 'en'
  return (value) => localize(value, locale, fallback)
}
