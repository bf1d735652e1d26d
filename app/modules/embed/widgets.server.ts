import type { TFunction } from 'i18next'
import { areaBySlug, areaPoint, cityBounds, cityProfile } from '../geo/areas.server'
import { fitViewport } from '../geo/svg'
import { itemsInArea, listKinds } from '../geo/map-index.server'
import { getPetition } from '../petitions/petitions.server'
import { daysUntil, isPublicState } from '../petitions/states'
import { proposalForViewer } from '../proposals/proposals.server'
import { listPublicReports } from '../reports/reports.server'
import { MAP_LAYERS, type WidgetSpec } from './widgets'

/**
 * What each widget shows, read as an anonymous visitor sees it: a hidden, draft, pending or
 * private item is null (the widget page and oEmbed answer 404). Capabilities are read only
 * through their exported functions.
 */

export async function petitionWidget(id: number) {
  // The row alone (not petitionForViewer, which also reads the per-area and daily counts the widget does not show).
  const p = await getPetition(id)
  if (!p || !isPublicState(p.state)) return null
  return {
    id: p.id,
    title: p.title,
    action: p.action,
    state: p.state,
    signatures: p.signature_count,
    thresholds: { response: p.response_threshold, debate: p.debate_threshold },
    daysLeft: p.state === 'open' && p.closes_at ? daysUntil(p.closes_at) : null,
    closesAt: p.closes_at,
    responded: Boolean(p.responded_at),
  }
}

export async function proposalWidget(id: number) {
  const p = await proposalForViewer(id, null)
  if (!p) return null
  return {
    id: p.id,
    title: p.title,
    summary: p.summary,
    state: p.state,
    supports: p.supports,
    threshold: p.threshold,
    daysLeft: p.daysLeft,
    area: p.area,
    answered: Boolean(p.answer),
  }
}

export async function reportsWidget(slug: string | undefined, limit: number, locale?: string) {
  const area = slug ? await areaBySlug(slug) : null
  if (slug && !area) return null
  const city = await cityProfile()
  const { items, total } = await listPublicReports({ areaId: area?.id, pageSize: limit }, locale)
  return {
    area: area ? { slug: area.slug, name: area.name } : null,
    place: area?.name ?? city?.name ?? 'Plaza',
    total,
    items: items.map((r) => ({ id: r.id, title: r.title, state: r.state, stateKind: r.stateKind, category: r.categoryName, areaName: r.areaName, createdAt: r.createdAt, supports: r.supports })),
  }
}

export async function mapWidget(slug: string, layers: string[] | undefined) {
  const area = await areaBySlug(slug)
  if (!area) return null
  const registered = (await listKinds()).map((k) => k.kind)
  const shown = (layers?.length ? layers : [...MAP_LAYERS]).filter((k) => registered.includes(k))
  const items = shown.length ? (await itemsInArea(area.id, 200)).filter((i) => shown.includes(i.kind)).slice(0, 30) : []
  // The static picture draws the area over its parent (areaBySlug's outline): the same frame here,
  // so that the items' dots land where they belong.
  const frame = area.parent ? (await areaBySlug(area.parent.slug))?.bbox : await cityBounds()
  const view = frame ? fitViewport(frame, 480) : null
  const dots = view
    ? items.map((i) => ({
        kind: i.kind,
        x: Math.round(((i.lng - view.bbox[0]) / (view.bbox[2] - view.bbox[0])) * view.width * 10) / 10,
        y: Math.round(((view.bbox[3] - i.lat) / (view.bbox[3] - view.bbox[1])) * view.height * 10) / 10,
      }))
    : []
  return {
    area: { slug: area.slug, name: area.name, bbox: area.bbox, svg: area.svg, colour: area.colour },
    layers: shown,
    items: items.slice(0, 10).map((i) => ({ kind: i.kind, itemId: i.itemId, title: i.title, status: i.status, url: i.url })),
    total: items.length,
    dots,
  }
}

/** Only the report form needs the place: an area slug, or a point inside the city. */
export async function reportFormPlace(spec: WidgetSpec): Promise<{ area: string | null; name: string | null; lat: number; lng: number } | null> {
  if (spec.area) {
    const [area, point] = await Promise.all([areaBySlug(spec.area), areaPoint(spec.area)])
    return area && point ? { area: area.slug, name: area.name, lat: point.lat, lng: point.lng } : null
  }
  if (spec.lat !== undefined && spec.lng !== undefined) return { area: null, name: null, lat: spec.lat, lng: spec.lng }
  return null
}

/** A widget's title, for the frame's title attribute, the builder and oEmbed. */
export async function widgetTitle(spec: WidgetSpec, t: TFunction): Promise<string | null> {
  switch (spec.kind) {
    case 'petition': {
      const p = spec.id ? await petitionWidget(spec.id) : null
      return p ? t('embed:titles.petition', { title: p.title }) : null
    }
    case 'proposal': {
      const p = spec.id ? await proposalWidget(spec.id) : null
      return p ? t('embed:titles.proposal', { title: p.title }) : null
    }
    case 'reports': {
      const area = spec.area ? await areaBySlug(spec.area) : null
      if (spec.area && !area) return null
      const city = await cityProfile()
      return t('embed:titles.reports', { place: area?.name ?? city?.name ?? 'Plaza' })
    }
    case 'map': {
      const area = spec.area ? await areaBySlug(spec.area) : null
      return area ? t('embed:titles.map', { place: area.name }) : null
    }
    case 'report-form': {
      const place = await reportFormPlace(spec)
      if (!place) return null
      const city = await cityProfile()
      return t('embed:titles.reportForm', { place: place.name ?? city?.name ?? 'Plaza' })
    }
  }
}
