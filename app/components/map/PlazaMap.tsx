import { useEffect, useRef, useState, type MutableRefObject, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import type { Map as MaplibreMap, Marker, StyleSpecification } from 'maplibre-gl'
import { BASEMAP_FIRST_LINE_LAYER } from '../../modules/basemap/style'
import { fitViewport } from '../../modules/geo/svg'
import type { BBox, FeatureCollectionAnswer, FeatureFilter, LayerInfo, MapClientConfig, PointFeature } from './types'

/**
 * The interactive map (maplibre-gl, loaded only when a page shows a map and only in the browser).
 * Draws the city's areas from /areas.geojson on Plaza's own style, over the configured base map if
 * any; in browse mode, asks /api/map/features for the items in view and shows them as markers
 * (clusters zoom in when clicked); in pick mode, a click or a drag places one marker.
 *
 * Markers are hidden from assistive technology: pages pair the map with an accessible list of
 * what is in view, and without JavaScript the `fallback` (a static image) stays.
 */

export type MapHandle = MaplibreMap

export interface PlazaMapProps {
  config: MapClientConfig
  bounds: BBox
  /** Accessible name of the map region. */
  label: string
  /** Browse mode: which items to show. */
  filter?: FeatureFilter | null
  layers?: LayerInfo[]
  onFeatures?: (answer: FeatureCollectionAnswer | null) => void
  /** Emphasised area outline (slug). */
  highlight?: string | null
  /** Pick mode: the chosen point and what to do when it changes. */
  pick?: { value: { lat: number; lng: number } | null; onPick: (point: { lat: number; lng: number }) => void }
  mapRef?: MutableRefObject<MapHandle | null>
  fallback?: ReactNode
  className?: string
  /**
   * A picture of exactly `bounds` (the city's /areas.svg): shown at once, server-rendered, and
   * MapLibre (~300 KB compressed) is loaded only when the person reaches for the map — a tap, the
   * mouse over it, or its "Move and zoom" button (issue 18: on a phone the page is usable seconds
   * sooner). In pick mode a tap on the picture already chooses the point.
   */
  still?: string
  /** The picture's accessible name; without one it is decorative. */
  stillLabel?: string
}

type Maplibre = typeof import('maplibre-gl')
type Translate = (key: string, options?: Record<string, unknown>) => string

let loading: Promise<Maplibre> | null = null
function loadMaplibre(): Promise<Maplibre> {
  loading ??= import('maplibre-gl').then((m) => {
    // The worker is a file in public/ (copied by scripts/copy-map-worker.ts at build time).
    m.setWorkerUrl('/maplibre-gl-worker.mjs')
    return m
  })
  return loading
}

function baseStyle(config: MapClientConfig): StyleSpecification | string {
  // Plaza's own style is a path (/styles/plaza.json); MapLibre wants a full URL.
  if (config.styleUrl) return new URL(config.styleUrl, window.location.href).href
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: 'plaza-background', type: 'background', paint: { 'background-color': '#dceaf4' } }],
  }
  if (config.tileUrl) {
    style.sources.base = { type: 'raster', tiles: [config.tileUrl], tileSize: 256, attribution: config.attribution ?? undefined }
    style.layers.push({ id: 'plaza-base', type: 'raster', source: 'base' })
  }
  return style
}

function addAreaLayers(map: MaplibreMap, highlight: string | null | undefined) {
  map.addSource('plaza-areas', { type: 'geojson', data: new URL('/areas.geojson', window.location.href).href })
  const layers = map.getStyle().layers
  const translucent = layers.some((l) => l.id === 'plaza-base' || l.id.startsWith('basemap-')) || Boolean(map.getStyle().sprite)
  // Over Plaza's own base map the areas' tints go under the roads and their names.
  const fillsBefore = layers.some((l) => l.id === BASEMAP_FIRST_LINE_LAYER) ? BASEMAP_FIRST_LINE_LAYER : undefined
  map.addLayer(
    {
      id: 'plaza-city',
      type: 'fill',
      source: 'plaza-areas',
      filter: ['==', ['get', 'level'], 'city'],
      paint: { 'fill-color': '#ffffff', 'fill-opacity': translucent ? 0.25 : 1 },
    },
    fillsBefore,
  )
  map.addLayer(
    {
      id: 'plaza-districts',
      type: 'fill',
      source: 'plaza-areas',
      filter: ['==', ['get', 'level'], 'district'],
      paint: { 'fill-color': ['get', 'colour'], 'fill-opacity': fillsBefore ? 0.2 : 0.35 },
    },
    fillsBefore,
  )
  map.addLayer({
    id: 'plaza-neighbourhood-lines',
    type: 'line',
    source: 'plaza-areas',
    filter: ['==', ['get', 'level'], 'neighbourhood'],
    paint: { 'line-color': '#ffffff', 'line-width': 1 },
  })
  map.addLayer({
    id: 'plaza-district-lines',
    type: 'line',
    source: 'plaza-areas',
    filter: ['==', ['get', 'level'], 'district'],
    paint: { 'line-color': '#33414d', 'line-width': 1.2 },
  })
  map.addLayer({
    id: 'plaza-highlight',
    type: 'line',
    source: 'plaza-areas',
    filter: ['==', ['get', 'slug'], highlight ?? ''],
    paint: { 'line-color': '#084466', 'line-width': 3.5 },
  })
}

export function featuresUrl(bounds: BBox, zoom: number, filter: FeatureFilter): string {
  const params = new URLSearchParams({ bbox: bounds.map((v) => v.toFixed(5)).join(','), zoom: zoom.toFixed(2), layers: filter.layers.join(',') })
  if (filter.status?.length) params.set('status', filter.status.join(','))
  if (filter.category?.length) params.set('category', filter.category.join(','))
  if (filter.since) params.set('since', filter.since)
  return `/api/map/features?${params}`
}

/** Replaces the markers drawn before with the answer's points and clusters (none when `answer` is null). */
function drawMarkers(maplibre: Maplibre, map: MaplibreMap, answer: FeatureCollectionAnswer | null, markers: MutableRefObject<Marker[]>, layers: LayerInfo[] | undefined, t: Translate) {
  for (const m of markers.current) m.remove()
  markers.current = []
  if (!answer) return
  const colours = new Map((layers ?? []).map((l) => [l.kind, l.colour]))
  const labels = new Map((layers ?? []).map((l) => [l.kind, l.label]))
  for (const feature of answer.features) {
    const el = document.createElement('div')
    el.setAttribute('aria-hidden', 'true')
    const [lng, lat] = feature.geometry.coordinates
    if (feature.properties.cluster) {
      const { count, expansionZoom } = feature.properties
      el.className = 'map-cluster'
      el.dataset.count = String(count)
      el.textContent = count >= 10_000 ? `${Math.round(count / 1000)}k` : String(count)
      const size = Math.round(28 + Math.min(28, Math.log10(count) * 9))
      el.style.width = el.style.height = `${size}px`
      el.addEventListener('click', (event) => {
        event.stopPropagation()
        map.easeTo({ center: [lng, lat], zoom: Math.max(expansionZoom, map.getZoom() + 1) })
      })
    } else {
      const p = (feature as PointFeature).properties
      el.className = 'map-point'
      el.style.background = colours.get(p.kind) ?? '#0b5c8a'
      el.addEventListener('click', (event) => {
        event.stopPropagation()
        const body = document.createElement('div')
        body.className = 'map-popup'
        const title = document.createElement(p.url ? 'a' : 'strong')
        title.textContent = p.title
        if (p.url && title instanceof HTMLAnchorElement) title.href = p.url
        const meta = document.createElement('p')
        meta.textContent = `${labels.get(p.kind) ?? p.kind} · ${t(`status.${p.status}`, { defaultValue: p.status })}`
        body.append(title, meta)
        new maplibre.Popup({ offset: 10, maxWidth: '260px' }).setLngLat([lng, lat]).setDOMContent(body).addTo(map)
      })
    }
    markers.current.push(new maplibre.Marker({ element: el }).setLngLat([lng, lat]).addTo(map))
  }
}

export function PlazaMap(props: PlazaMapProps) {
  const { t } = useTranslation('geo')
  const container = useRef<HTMLDivElement>(null)
  const mapLocal = useRef<MaplibreMap | null>(null)
  const libRef = useRef<Maplibre | null>(null)
  const markers = useRef<Marker[]>([])
  const pickMarker = useRef<Marker | null>(null)
  const [ready, setReady] = useState(false)
  const [failed, setFailed] = useState(false)
  // With a still picture the map waits for the person; without one it loads once on screen.
  const [active, setActive] = useState(!props.still)
  const still = useRef<SVGSVGElement>(null)
  const frame = useRef<HTMLDivElement>(null)
  // The latest props and translations, for the map's event handlers and effects that run once.
  const latest = useRef(props)
  const translate = useRef<Translate>(t)
  useEffect(() => {
    latest.current = props
    translate.current = t
  })

  // The map is created once per mount (once active) from the first props; the effects below apply later changes.
  useEffect(() => {
    if (!active) return
    const { bounds, config, label, mapRef } = latest.current
    const t = translate.current
    let cancelled = false
    let map: MaplibreMap | null = null
    let observer: IntersectionObserver | null = null
    // MapLibre (~500 KB of JavaScript) loads only once the map is on screen or about to be (issue 18:
    // a phone that never scrolls to the home page's map never downloads it).
    const onScreen = new Promise<void>((resolve) => {
      if (typeof IntersectionObserver === 'undefined' || !container.current) return resolve()
      observer = new IntersectionObserver(
        (entries) => {
          if (entries.some((e) => e.isIntersecting)) {
            observer?.disconnect()
            resolve()
          }
        },
        { rootMargin: '200px' },
      )
      observer.observe(container.current)
    })
    onScreen
      .then(() => (cancelled ? Promise.reject(new Error('unmounted')) : loadMaplibre()))
      .then((maplibre) => {
        if (cancelled || !container.current) return
        libRef.current = maplibre
        const [w, s, e, n] = bounds
        map = new maplibre.Map({
          container: container.current,
          style: baseStyle(config),
          bounds: [w, s, e, n],
          fitBoundsOptions: { padding: 16 },
          attributionControl: config.attribution || config.styleUrl ? { compact: true } : false,
          dragRotate: false,
          pitchWithRotate: false,
          // Tests read the canvas' pixels; the cost is negligible for a 2D map.
          canvasContextAttributes: { preserveDrawingBuffer: true },
          locale: {
            'NavigationControl.ZoomIn': t('map.zoomIn'),
            'NavigationControl.ZoomOut': t('map.zoomOut'),
            'NavigationControl.ResetBearing': t('map.resetBearing'),
            'Map.Title': label,
          },
        })
        map.touchZoomRotate.disableRotation()
        map.addControl(new maplibre.NavigationControl({ showCompass: false }), 'top-right')
        mapLocal.current = map
        if (mapRef) mapRef.current = map
        map.on('load', () => {
          if (!map) return
          addAreaLayers(map, latest.current.highlight)
          map.getContainer().dataset.zoom = map.getZoom().toFixed(2)
          setReady(true)
        })
        // The current zoom, for people's tools and the browser tests.
        map.on('moveend', () => {
          if (map) map.getContainer().dataset.zoom = map.getZoom().toFixed(2)
        })
        map.on('error', (event) => {
          // A missing tile is not a failed map; a style that cannot load is.
          if (!map?.isStyleLoaded() && !map?.loaded()) console.warn('map:', event.error?.message)
        })
        map.on('click', (event) => {
          const pick = latest.current.pick
          if (pick) pick.onPick({ lat: round(event.lngLat.lat), lng: round(event.lngLat.lng) })
        })
      })
      .catch((error: unknown) => {
        if (cancelled) return
        console.warn('map could not start:', error)
        setFailed(true)
      })
    return () => {
      cancelled = true
      observer?.disconnect()
      for (const m of markers.current) m.remove()
      markers.current = []
      pickMarker.current = null
      map?.remove()
      mapLocal.current = null
      if (mapRef) mapRef.current = null
    }
  }, [active])

  // Browse mode: the items in view, refreshed when the view or the filter changes.
  const filterKey = props.filter ? JSON.stringify(props.filter) : ''
  useEffect(() => {
    const map = mapLocal.current
    const maplibre = libRef.current
    if (!ready || !map || !maplibre || !latest.current.filter) return
    let controller: AbortController | null = null
    let timer: ReturnType<typeof setTimeout> | undefined
    const refresh = () => {
      clearTimeout(timer)
      timer = setTimeout(async () => {
        const filter = latest.current.filter
        if (!filter) return
        controller?.abort()
        controller = new AbortController()
        if (filter.layers.length === 0) {
          drawMarkers(maplibre, map, null, markers, latest.current.layers, translate.current)
          latest.current.onFeatures?.(null)
          return
        }
        const b = map.getBounds()
        const bounds: BBox = [Math.max(-180, b.getWest()), Math.max(-85, b.getSouth()), Math.min(180, b.getEast()), Math.min(85, b.getNorth())]
        try {
          const res = await fetch(featuresUrl(bounds, map.getZoom(), filter), { signal: controller.signal })
          if (!res.ok) return
          const answer = (await res.json()) as FeatureCollectionAnswer
          drawMarkers(maplibre, map, answer, markers, latest.current.layers, translate.current)
          latest.current.onFeatures?.(answer)
        } catch (error) {
          if ((error as Error).name !== 'AbortError') console.warn('map features:', error)
        }
      }, 120)
    }
    refresh()
    map.on('moveend', refresh)
    return () => {
      clearTimeout(timer)
      controller?.abort()
      map.off('moveend', refresh)
    }
  }, [ready, filterKey])

  // Pick mode: one draggable marker that follows the chosen point.
  const pickLat = props.pick?.value?.lat
  const pickLng = props.pick?.value?.lng
  useEffect(() => {
    const map = mapLocal.current
    const maplibre = libRef.current
    if (!ready || !map || !maplibre || !latest.current.pick) return
    if (pickLat === undefined || pickLng === undefined) {
      pickMarker.current?.remove()
      pickMarker.current = null
      return
    }
    if (!pickMarker.current) {
      const el = document.createElement('div')
      el.className = 'map-pin'
      el.setAttribute('aria-hidden', 'true')
      const marker = new maplibre.Marker({ element: el, draggable: true, anchor: 'bottom' })
      marker.on('dragend', () => {
        const at = marker.getLngLat()
        latest.current.pick?.onPick({ lat: round(at.lat), lng: round(at.lng) })
      })
      pickMarker.current = marker.setLngLat([pickLng, pickLat]).addTo(map)
    } else pickMarker.current.setLngLat([pickLng, pickLat])
    if (!map.getBounds().contains([pickLng, pickLat])) map.easeTo({ center: [pickLng, pickLat] })
  }, [ready, pickLat, pickLng])

  // Pick mode before MapLibre exists: the tap lands on the still picture, drawn like PinMap
  // (equirectangular over `bounds`; at a city's scale within a pixel of MapLibre's Web Mercator).
  const view = props.still ? fitViewport(props.bounds, 1000) : null
  const pinAt = view && props.pick?.value ? projectOnStill(props.bounds, view, props.pick.value) : null
  const state = failed ? 'failed' : ready ? 'ready' : active ? 'loading' : 'still'
  // Reaching for the map (a touch, a press, the mouse over it) starts MapLibre; the keyboard has the button.
  useEffect(() => {
    const el = frame.current
    if (!el || !latest.current.still) return
    const activate = (event: PointerEvent) => {
      if (event.type === 'pointerdown' || event.pointerType === 'mouse') setActive(true)
    }
    const pickOnStill = (event: MouseEvent) => {
      const svg = still.current
      const { pick, bounds } = latest.current
      if (!svg || !pick || mapLocal.current || (event.target as Element).closest('button, a')) return
      const matrix = svg.getScreenCTM()
      if (!matrix) return
      const at = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse())
      const { width, height } = fitViewport(bounds, 1000)
      if (at.x < 0 || at.y < 0 || at.x > width || at.y > height) return
      const [w, s, e, n] = bounds
      pick.onPick({ lat: round(n - (at.y / height) * (n - s)), lng: round(w + (at.x / width) * (e - w)) })
    }
    // The mouse already over the map while the page hydrated: no pointerenter will come.
    if (el.matches(':hover')) setActive(true)
    el.addEventListener('pointerdown', activate)
    el.addEventListener('pointerenter', activate)
    el.addEventListener('click', pickOnStill)
    return () => {
      el.removeEventListener('pointerdown', activate)
      el.removeEventListener('pointerenter', activate)
      el.removeEventListener('click', pickOnStill)
    }
  }, [])

  return (
    <div ref={frame} className={`map-frame ${props.className ?? ''}`} data-map-state={state}>
      {props.fallback}
      {view && !ready ? (
        <svg ref={still} className="map-still" viewBox={`0 0 ${view.width} ${view.height}`} {...(props.stillLabel ? { role: 'img', 'aria-label': props.stillLabel } : { 'aria-hidden': true })}>
          <image href={props.still} width={view.width} height={view.height} />
          {pinAt ? (
            <g transform={`translate(${pinAt[0].toFixed(1)} ${pinAt[1].toFixed(1)})`}>
              <path d="M0 0 C -6 -18 -22 -26 -22 -44 A 22 22 0 1 1 22 -44 C 22 -26 6 -18 0 0 Z" fill="#a4161a" stroke="#fff" strokeWidth="4" />
              <circle cy="-44" r="8" fill="#fff" />
            </g>
          ) : null}
        </svg>
      ) : null}
      {/* maplibre labels its canvas as a region with props.label ("Map.Title"). */}
      <div ref={container} className="map-canvas" />
      {state === 'still' ? (
        <button type="button" className="map-activate" onClick={() => setActive(true)}>
          {t('map.activate')}
        </button>
      ) : null}
    </div>
  )
}

function projectOnStill([w, s, e, n]: BBox, view: { width: number; height: number }, point: { lat: number; lng: number }): [number, number] {
  return [((point.lng - w) / (e - w)) * view.width, ((n - point.lat) / (n - s)) * view.height]
}

const round = (v: number) => Math.round(v * 1e6) / 1e6
