import { useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useLocation } from '@remix-run/react'
import { useHydrated, usePageHydrates } from '../../lib/hydrated'
import { PlazaMap } from './PlazaMap'
import { NestedAddressSearch } from './AddressSearch'
import type { BBox, MapClientConfig } from './types'

/**
 * A place for any form: click the map or drag the pin, "use my location", or search an address
 * (Plaza's own address search, or a configured Nominatim-style geocoder). The chosen point travels in hidden `lat` and `lng` fields.
 * Without JavaScript the same form offers a district/neighbourhood list (`area`) and typed
 * coordinates (`lat`, `lng`). The server resolves either with resolveLocation (geo module).
 */

export interface PickerArea {
  slug: string
  name: string
  level: 'city' | 'district' | 'neighbourhood'
  parentSlug: string | null
}

export interface LocationPickerProps {
  config: MapClientConfig
  bounds: BBox
  areas: PickerArea[]
  /** Values sent before (to re-fill the form after an error). */
  defaults?: { lat?: string; lng?: string; area?: string }
  /** Translated messages per field: lat, lng, area, location. */
  errors?: Record<string, string | undefined>
  legend: string
  id?: string
}

type Point = { lat: number; lng: number }

function parsePoint(lat?: string, lng?: string): Point | null {
  const a = Number((lat ?? '').replace(',', '.'))
  const b = Number((lng ?? '').replace(',', '.'))
  return lat && lng && Number.isFinite(a) && Number.isFinite(b) ? { lat: a, lng: b } : null
}

export function LocationPicker({ config, bounds, areas, defaults = {}, errors = {}, legend, id = 'location' }: LocationPickerProps) {
  const { t } = useTranslation('geo')
  const hydrated = useHydrated()
  // A page sent without React (a petition's sign form, ADR 137) shows only what works without JavaScript.
  const scripted = usePageHydrates()
  const [point, setPoint] = useState<Point | null>(parsePoint(defaults.lat, defaults.lng))
  const [typed, setTyped] = useState({ lat: defaults.lat ?? '', lng: defaults.lng ?? '' })
  const [status, setStatus] = useState<string | null>(null)
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<Array<{ label: string; lat: number; lng: number }> | null>(null)
  // The nearest address, kept with the point it answers for: a newer point shows nothing until its own answer.
  const [nearest, setNearest] = useState<{ at: string; label: string } | null>(null)
  const pointKey = point ? `${point.lat},${point.lng}` : null
  const near = nearest && nearest.at === pointKey ? nearest.label : null
  const { t: tb } = useTranslation('basemap')
  const here = useLocation().pathname
  const typing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)

  // "Near Carrer Major 12": the nearest address to the chosen point (Plaza's reverse geocoding).
  useEffect(() => {
    if (!pointKey || config.geocoderUrl) return
    const [lat, lng] = pointKey.split(',')
    const controller = new AbortController()
    fetch(`/search/address/reverse?lat=${lat}&lng=${lng}`, { signal: controller.signal, headers: { accept: 'application/json' } })
      .then((res) => (res.ok ? (res.json() as Promise<{ address: { label: string } | null }>) : null))
      .then((answer) => setNearest(answer?.address ? { at: pointKey, label: answer.address.label } : null))
      .catch(() => undefined)
    return () => controller.abort()
  }, [pointKey, config.geocoderUrl])

  const choose = (p: Point, how: string) => {
    setPoint(p)
    setTyped({ lat: String(p.lat), lng: String(p.lng) })
    setStatus(how)
  }

  // Plaza's own address search (no geocoder configured): suggestions as one types.
  const plazaSearch = async (q: string, announce: boolean) => {
    if (!q.trim()) return setResults(null)
    if (announce) setStatus(t('picker.searching'))
    try {
      const res = await fetch(`/search/address?q=${encodeURIComponent(q.trim())}`, { headers: { accept: 'application/json' } })
      const found = res.ok ? ((await res.json()) as { results: Array<{ label: string; lat: number; lng: number }> }).results : []
      setResults(found)
      if (announce) setStatus(found.length ? t('picker.searchResults', { count: found.length }) : t('picker.searchNone'))
    } catch {
      if (announce) setStatus(t('picker.searchFailed'))
    }
  }

  const locate = () => {
    if (!('geolocation' in navigator)) return setStatus(t('picker.geolocationUnavailable'))
    setStatus(t('picker.locating'))
    navigator.geolocation.getCurrentPosition(
      (pos) => choose({ lat: round(pos.coords.latitude), lng: round(pos.coords.longitude) }, t('picker.located')),
      () => setStatus(t('picker.geolocationFailed')),
      { enableHighAccuracy: true, timeout: 15_000 },
    )
  }

  const search = async () => {
    if (!config.geocoderUrl) return plazaSearch(query, true)
    if (!query.trim()) return
    setStatus(t('picker.searching'))
    const [w, s, e, n] = bounds
    const url = new URL(config.geocoderUrl)
    url.search = new URLSearchParams({ q: query.trim(), format: 'jsonv2', limit: '5', viewbox: `${w},${n},${e},${s}`, bounded: '1' }).toString()
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' } })
      const found = ((await res.json()) as Array<{ display_name: string; lat: string; lon: string }>).map((r) => ({
        label: r.display_name,
        lat: round(Number(r.lat)),
        lng: round(Number(r.lon)),
      }))
      setResults(found)
      setStatus(found.length ? t('picker.searchResults', { count: found.length }) : t('picker.searchNone'))
    } catch {
      setStatus(t('picker.searchFailed'))
    }
  }

  const describedBy = (field: string) => (errors[field] ? `${id}-${field}-error` : undefined)
  const districts = areas.filter((a) => a.level === 'district')

  return (
    <fieldset className="picker" aria-describedby={errors.location ? `${id}-location-error` : undefined}>
      <legend>{legend}</legend>
      {errors.location ? (
        <p className="field-error" id={`${id}-location-error`} role="alert">
          {errors.location}
        </p>
      ) : null}
      {/* The map and its tools are server-rendered (the city's still picture, no MapLibre) so that
          nothing moves when the page hydrates (issue 18: a layout shift of 0.34 and a late LCP on
          /reports/new); a browser without JavaScript hides them (map.css, `scripting: none`). */}
      {scripted ? (
        <div className="picker__js">
          <p className="picker__help">{t('picker.help')}</p>
          <PlazaMap
            config={config}
            bounds={bounds}
            label={t('picker.mapLabel')}
            pick={{ value: point, onPick: (p) => choose(p, t('picker.pointChosen')) }}
            className="picker__map"
            still="/areas.svg"
          />
          <div className="picker__tools">
            <button type="button" onClick={locate}>
              {t('picker.myLocation')}
            </button>
            <span className="picker__search">
              <label htmlFor={`${id}-search`}>{t('picker.searchLabel')}</label>
              <input
                id={`${id}-search`}
                type="search"
                value={query}
                placeholder={tb('search.label')}
                onChange={(e) => {
                  const value = e.target.value
                  setQuery(value)
                  if (config.geocoderUrl) return
                  clearTimeout(typing.current)
                  typing.current = setTimeout(() => void plazaSearch(value, false), 200)
                }}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') {
                    e.preventDefault()
                    void search()
                  }
                }}
              />
              <button type="button" onClick={() => void search()}>
                {t('picker.search')}
              </button>
            </span>
          </div>
          {results?.length ? (
            <ul className="picker__results">
              {results.map((r) => (
                <li key={`${r.lat},${r.lng}`}>
                  <button
                    type="button"
                    onClick={() => {
                      choose(r, t('picker.pointChosen'))
                      setResults(null)
                    }}
                  >
                    {r.label}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <p className="picker__status" aria-live="polite" data-testid="picker-status">
            {status ? `${status} ` : ''}
            {point ? t('picker.chosen', { latitude: point.lat, longitude: point.lng }) : t('picker.noneChosen')}
            {point && near ? <span data-testid="picker-near">{` ${tb('search.near', { address: near })}`}</span> : null}
          </p>
          {/* Before hydration the typed fields below carry lat and lng (a form sent then, or without JavaScript). */}
          {hydrated ? (
            <>
              <input type="hidden" name="lat" value={point ? String(point.lat) : ''} />
              <input type="hidden" name="lng" value={point ? String(point.lng) : ''} />
            </>
          ) : null}
        </div>
      ) : null}
      <div className="picker__fallback">
        {scripted ? <p className="picker__or picker__js">{t('picker.orTypeOrChoose')}</p> : null}
        {/* What only a browser without JavaScript needs; with JavaScript it is hidden (map.css) until hydration removes it. */}
        {hydrated ? null : <p className={scripted ? 'picker__or picker__nojs' : 'picker__or'}>{t('picker.noScriptHelp')}</p>}
        {hydrated || config.geocoderUrl ? null : (
          <div className={scripted ? 'picker__nojs' : undefined}>
            <NestedAddressSearch id={id} returnTo={here} />
          </div>
        )}
        <div className="picker__field">
          <label htmlFor={`${id}-area`}>{t('picker.areaLabel')}</label>
          <select id={`${id}-area`} name="area" defaultValue={defaults.area ?? ''} aria-describedby={describedBy('area')}>
            <option value="">{t('picker.areaNone')}</option>
            {districts.map((d) => (
              <optgroup key={d.slug} label={d.name}>
                <option value={d.slug}>{t('picker.wholeDistrict', { name: d.name })}</option>
                {areas
                  .filter((a) => a.parentSlug === d.slug)
                  .map((a) => (
                    <option key={a.slug} value={a.slug}>
                      {a.name}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
          {errors.area ? (
            <p className="field-error" id={`${id}-area-error`}>
              {errors.area}
            </p>
          ) : null}
        </div>
        <div className="picker__coords">
          <div className="picker__field">
            <label htmlFor={`${id}-lat`}>{t('picker.latLabel')}</label>
            <input
              id={`${id}-lat`}
              // With JavaScript the hidden field carries the value; these only edit it.
              name={hydrated ? undefined : 'lat'}
              inputMode="decimal"
              autoComplete="off"
              value={typed.lat}
              aria-describedby={describedBy('lat')}
              aria-invalid={errors.lat ? true : undefined}
              onChange={(e) => {
                setTyped((v) => ({ ...v, lat: e.target.value }))
                const p = parsePoint(e.target.value, typed.lng)
                if (p) setPoint(p)
              }}
            />
            {errors.lat ? (
              <p className="field-error" id={`${id}-lat-error`}>
                {errors.lat}
              </p>
            ) : null}
          </div>
          <div className="picker__field">
            <label htmlFor={`${id}-lng`}>{t('picker.lngLabel')}</label>
            <input
              id={`${id}-lng`}
              name={hydrated ? undefined : 'lng'}
              inputMode="decimal"
              autoComplete="off"
              value={typed.lng}
              aria-describedby={describedBy('lng')}
              aria-invalid={errors.lng ? true : undefined}
              onChange={(e) => {
                setTyped((v) => ({ ...v, lng: e.target.value }))
                const p = parsePoint(typed.lat, e.target.value)
                if (p) setPoint(p)
              }}
            />
            {errors.lng ? (
              <p className="field-error" id={`${id}-lng-error`}>
                {errors.lng}
              </p>
            ) : null}
          </div>
        </div>
      </div>
    </fieldset>
  )
}

const round = (v: number) => Math.round(v * 1e6) / 1e6
