import { useId, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useHydrated } from '../../lib/hydrated'

/**
 * One box "Street and number, or a place" (issue 17), for pages that are not inside another form
 * (/map). Without JavaScript it is a GET form to /search/address, whose results link back to
 * `returnTo` with `lat` and `lng`; with JavaScript it suggests addresses as one types and `onChoose`
 * receives the chosen one.
 *
 * Inside another form (the location picker) a nested <form> is not possible: `NestedAddressSearch`
 * gives its fields to the page-wide form `ADDRESS_SEARCH_FORM_ID` (rendered once by the root layout)
 * through the `form` attribute, so that only the query and the return path are sent.
 */

export const ADDRESS_SEARCH_FORM_ID = 'plaza-address-search'

export interface AddressChoice {
  label: string
  lat: number
  lng: number
}

/** Plaza's own address search (JSON). */
export async function fetchAddresses(q: string, signal?: AbortSignal): Promise<AddressChoice[]> {
  const res = await fetch(`/search/address?q=${encodeURIComponent(q.trim())}`, { headers: { accept: 'application/json' }, signal })
  if (!res.ok) return []
  return ((await res.json()) as { results: AddressChoice[] }).results
}

export function AddressSearch({ returnTo, onChoose, className }: { returnTo: string; onChoose: (choice: AddressChoice) => void; className?: string }) {
  const { t } = useTranslation('basemap')
  const hydrated = useHydrated()
  const id = useId()
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<AddressChoice[] | null>(null)
  const [status, setStatus] = useState('')
  const typing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  const pending = useRef<AbortController | null>(null)

  const run = async (q: string, announce: boolean) => {
    pending.current?.abort()
    if (!q.trim()) {
      setResults(null)
      return
    }
    const controller = new AbortController()
    pending.current = controller
    try {
      const found = await fetchAddresses(q, controller.signal)
      if (controller.signal.aborted) return
      setResults(found)
      if (announce || !found.length) setStatus(found.length ? t('search.results', { count: found.length, query: q.trim() }) : t('search.none', { query: q.trim() }))
      else setStatus(t('search.suggestionsCount', { count: found.length }))
    } catch {
      if (!controller.signal.aborted) setStatus(t('search.failed'))
    }
  }

  return (
    <form
      action="/search/address"
      method="get"
      role="search"
      className={`address-box ${className ?? ''}`}
      onSubmit={(e) => {
        if (!hydrated) return
        e.preventDefault()
        void run(query, true)
      }}
    >
      <label htmlFor={`${id}-q`}>{t('search.label')}</label>
      <div className="address-box__row">
        <input
          id={`${id}-q`}
          name="q"
          type="search"
          maxLength={200}
          autoComplete="off"
          value={query}
          aria-controls={`${id}-results`}
          onChange={(e) => {
            const value = e.target.value
            setQuery(value)
            if (!hydrated) return
            clearTimeout(typing.current)
            typing.current = setTimeout(() => void run(value, false), 200)
          }}
        />
        <input type="hidden" name="return" value={returnTo} />
        <button type="submit">{t('search.submit')}</button>
      </div>
      <p className="address-box__status" aria-live="polite" data-testid="address-box-status">
        {status}
      </p>
      <ul id={`${id}-results`} className="address-box__results" aria-label={t('search.suggestions')} hidden={!results?.length} data-testid="address-suggestions">
        {(results ?? []).map((r) => (
          <li key={`${r.label}-${r.lat},${r.lng}`}>
            <button
              type="button"
              onClick={() => {
                setResults(null)
                setQuery(r.label)
                setStatus(t('search.chosen', { address: r.label }))
                onChoose(r)
              }}
            >
              {r.label}
            </button>
          </li>
        ))}
      </ul>
    </form>
  )
}

/** The no-JavaScript address search inside another form (see above): query, return path, submit. */
export function NestedAddressSearch({ id, returnTo }: { id: string; returnTo: string }) {
  const { t } = useTranslation('basemap')
  return (
    <div className="address-box address-box--nested" role="search">
      <label htmlFor={`${id}-address-q`}>{t('search.label')}</label>
      <div className="address-box__row">
        <input id={`${id}-address-q`} name="q" type="search" maxLength={200} form={ADDRESS_SEARCH_FORM_ID} />
        <input type="hidden" name="return" value={returnTo} form={ADDRESS_SEARCH_FORM_ID} />
        <button type="submit" form={ADDRESS_SEARCH_FORM_ID} formNoValidate>
          {t('search.submit')}
        </button>
      </div>
    </div>
  )
}
