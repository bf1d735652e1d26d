import { useMemo, type ReactNode } from 'react'
import { isRouteErrorResponse, useRouteError } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import type { TFunction } from 'i18next'
import { useRootData } from '../../root'

/**
 * Pieces shared by the widget pages (app/routes/embed.*.tsx): the translation in the widget's own
 * language (?lang=, which the root loader chose), the frame around a widget, links that open
 * Plaza in a new tab, and the short 404 a hidden or unknown item gets.
 */

/** t() in the widget's language (the root loader's locale, which follows ?lang=). */
export function useEmbedT(): TFunction {
  const data = useRootData()
  const { i18n } = useTranslation('embed')
  const locale = data?.locale ?? i18n.language
  return useMemo(() => i18n.getFixedT(locale, 'embed'), [i18n, locale])
}

/** A link out of the frame: Plaza opens in a new tab (logins, full pages). */
export function OutLink({ href, children, className }: { href: string; children: ReactNode; className?: string }) {
  return (
    <a href={href} target="_blank" rel="noopener" className={className}>
      {children}
    </a>
  )
}

export function WidgetFrame({ widget, children }: { widget: string; children: ReactNode }) {
  const t = useEmbedT()
  return (
    <div className={`widget widget--${widget}`} data-widget={widget}>
      {children}
      <p className="widget__brand">
        <OutLink href="/">{t('poweredBy')}</OutLink>
      </p>
    </div>
  )
}

export const embedHeaders = () => ({ 'Plaza-Page-Cache': '5' })

/** Hidden, draft, private or unknown: a short message instead of the widget. */
export function WidgetErrorBoundary() {
  const error = useRouteError()
  const t = useEmbedT()
  const notFound = isRouteErrorResponse(error) && error.status === 404
  return (
    <div className="widget widget--error" data-widget="error">
      <h1>{notFound ? t('notFound.title') : t('error.title')}</h1>
      <p>{notFound ? t('notFound.body') : t('error.body')}</p>
      <p className="widget__brand">
        <OutLink href="/">{t('poweredBy')}</OutLink>
      </p>
    </div>
  )
}

export function widgetNotFound(): never {
  throw new Response('Not Found', { status: 404 })
}

/** The widget's options from its URL (petition/proposal number from the path). */
export function positiveId(value: string | undefined): number | null {
  return value && /^[1-9]\d{0,11}$/.test(value) ? Number(value) : null
}
