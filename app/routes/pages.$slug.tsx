import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { translatorFor } from '../lib/i18n.server'
import { sitePage } from '../modules/city/identity.server'
import { isLegalPage } from '../modules/city/policy'

/** /pages/terms, /pages/privacy, /pages/accessibility, /pages/cookies — in the visitor's language. */

export async function loader({ request, params }: LoaderFunctionArgs) {
  if (!isLegalPage(params.slug)) throw new Response('Not Found', { status: 404 })
  const { t, locale } = await translatorFor(request)
  const page = await sitePage(params.slug, locale)
  if (!page) throw new Response('Not Found', { status: 404 })
  return { title: page.title ?? t(`city:pages.names.${params.slug}`), html: page.html, language: page.language }
}

export const headers = () => ({ 'Plaza-Page-Cache': '30' })

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function LegalPage() {
  const { title, html, language } = useLoaderData<typeof loader>()
  return (
    <article className="page narrow legal-page" lang={language}>
      <h1>{title}</h1>
      {/* renderMarkdown's sanitised HTML (app/lib/markdown.server.ts) */}
      <div className="prose" dangerouslySetInnerHTML={{ __html: html }} />
    </article>
  )
}
