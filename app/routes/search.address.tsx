import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { Form, useLoaderData } from '@remix-run/react'
import { useTranslation } from 'react-i18next'
import { z } from 'zod'
import { translatorFor } from '../lib/i18n.server'
import { currentBasemap } from '../modules/basemap/basemap.server'
import { searchAddress, type AddressResult } from '../modules/basemap/search.server'

/**
 * /search/address?q=… — address search over Plaza's own streets and address points. HTML (a GET
 * form and a list of results, no JavaScript needed) or JSON with `Accept: application/json`.
 * `return=/path` makes each result a link back to that page with `lat` and `lng` filled in.
 */

const querySchema = z.object({
  q: z.string().trim().max(200).optional().default(''),
  // Only a path on this site: never an address elsewhere.
  return: z
    .string()
    .regex(/^\/(?![/\\])[\w\-./]*$/)
    .max(200)
    .optional()
    .catch(undefined),
})

function backLink(path: string | undefined, lat: number, lng: number): string {
  const url = new URL(path ?? '/areas/locate', 'http://plaza.invalid')
  url.searchParams.set('lat', String(lat))
  url.searchParams.set('lng', String(lng))
  return `${url.pathname}${url.search}`
}

export async function loader({ request }: LoaderFunctionArgs) {
  const { t } = await translatorFor(request)
  const params = Object.fromEntries(new URL(request.url).searchParams)
  const wantsJson = (request.headers.get('accept') ?? '').split(',')[0]?.includes('application/json')
  const parsed = querySchema.safeParse(params)
  if (!parsed.success) {
    const error = t('basemap:search.tooLong')
    if (wantsJson) return Response.json({ error }, { status: 400 })
    return data(
      {
        title: t('basemap:search.title'),
        query: String(params.q ?? '').slice(0, 200),
        back: undefined as string | undefined,
        results: [] as Array<AddressResult & { href: string }>,
        error,
        hasMap: true,
      },
      { status: 400 },
    )
  }
  const { q, return: back } = parsed.data
  const results = q ? (await searchAddress(q)).map((r) => ({ ...r, href: backLink(back, r.lat, r.lng) })) : []
  if (wantsJson) return Response.json({ query: q, results }, { headers: { 'Cache-Control': 'public, max-age=60' } })
  const hasMap = Boolean(await currentBasemap())
  return { title: t('basemap:search.title'), query: q, back, results, error: null as string | null, hasMap }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? ''} · Plaza` }]

export default function AddressSearchPage() {
  const { title, query, back, results, error, hasMap } = useLoaderData<typeof loader>() as {
    title: string
    query: string
    back?: string
    results: Array<AddressResult & { href: string }>
    error: string | null
    hasMap: boolean
  }
  const { t } = useTranslation('basemap')
  return (
    <div className="page address-search">
      <h1>{title}</h1>
      <p>{t('search.intro')}</p>
      {hasMap ? null : <p className="notice">{t('search.noMap')}</p>}
      <Form method="get" className="address-search__form" role="search">
        <label htmlFor="address-q">{t('search.label')}</label>
        <div className="address-search__row">
          <input
            id="address-q"
            name="q"
            type="search"
            defaultValue={query}
            maxLength={200}
            autoComplete="street-address"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'address-q-error' : undefined}
          />
          {back ? <input type="hidden" name="return" value={back} /> : null}
          <button type="submit">{t('search.submit')}</button>
        </div>
        {error ? (
          <p className="field-error" id="address-q-error">
            {error}
          </p>
        ) : null}
      </Form>
      {query && !error ? (
        <section aria-labelledby="address-results">
          <h2 id="address-results">{results.length ? t('search.results', { count: results.length, query }) : t('search.none', { query })}</h2>
          <ul className="address-search__results" data-testid="address-results">
            {results.map((r) => (
              <li key={`${r.kind}-${r.label}-${r.lat}`}>
                <a href={r.href}>
                  <strong>{r.label}</strong>
                </a>{' '}
                <span className="muted">({t(`search.kind.${r.kind}`)})</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  )
}
