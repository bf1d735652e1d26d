import type { ExpressionSpecification, StyleSpecification } from 'maplibre-gl'

/**
 * The MapLibre style of Plaza's own base map: land, water, parks, buildings, railways, roads by
 * class with their names along them, squares' and parks' names, and house numbers up close. Glyphs
 * come from Plaza (/fonts/<glyph version>/…), tiles from /tiles/<version>/…: nothing is fetched from another site.
 * Layer ids start with "basemap-"; the map component puts the city's areas under the roads.
 */

/** Where the map reads Plaza's own style. */
export const PLAZA_STYLE_URL = '/styles/plaza.json'
export const BASEMAP_FONT = 'NotoSans-Regular'
export const OSM_ATTRIBUTION = '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL)'
/** The first layer drawn over the areas' tints. */
export const BASEMAP_FIRST_LINE_LAYER = 'basemap-waterways'

export function basemapStyle(options: {
  origin: string
  version: number | null
  glyphVersion?: string
  minZoom: number
  maxZoom: number
  bounds: [number, number, number, number] | null
}): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    name: 'Plaza',
    glyphs: options.glyphVersion ? `${options.origin}/fonts/${options.glyphVersion}/{fontstack}/{range}.pbf` : `${options.origin}/fonts/{fontstack}/{range}.pbf`,
    sources: {},
    layers: [{ id: 'plaza-background', type: 'background', paint: { 'background-color': '#dceaf4' } }],
  }
  if (options.version === null) return style
  style.sources.basemap = {
    type: 'vector',
    tiles: [`${options.origin}/tiles/${options.version}/{z}/{x}/{y}.pbf`],
    minzoom: options.minZoom,
    maxzoom: options.maxZoom,
    attribution: OSM_ATTRIBUTION,
    ...(options.bounds ? { bounds: options.bounds } : {}),
  }
  const src = { source: 'basemap' } as const
  const width = (base: number) => ['interpolate', ['exponential', 1.6], ['zoom'], 12, base * 0.5, 15, base * 2, 18, base * 8] as unknown as number
  const major: ExpressionSpecification = ['match', ['get', 'class'], ['primary', 'secondary'], true, false]
  style.layers.push(
    { id: 'basemap-water', type: 'fill', ...src, 'source-layer': 'water', paint: { 'fill-color': '#a8cde6' } },
    { id: 'basemap-parks', type: 'fill', ...src, 'source-layer': 'parks', paint: { 'fill-color': ['match', ['get', 'class'], 'square', '#efe9dc', '#c9e5b5'] } },
    { id: 'basemap-buildings', type: 'fill', ...src, 'source-layer': 'buildings', minzoom: 14, paint: { 'fill-color': '#ddd5cc', 'fill-outline-color': '#c7bcb1' } },
    { id: BASEMAP_FIRST_LINE_LAYER, type: 'line', ...src, 'source-layer': 'waterways', paint: { 'line-color': '#a8cde6', 'line-width': 2 } },
    { id: 'basemap-railways', type: 'line', ...src, 'source-layer': 'railways', paint: { 'line-color': '#7d7d7d', 'line-width': 1.5, 'line-dasharray': [3, 2] } },
    {
      id: 'basemap-paths',
      type: 'line',
      ...src,
      'source-layer': 'roads',
      minzoom: 14,
      filter: ['==', ['get', 'class'], 'path'],
      paint: { 'line-color': '#8a7d70', 'line-width': 1, 'line-dasharray': [2, 1.5] },
    },
    {
      id: 'basemap-roads-casing',
      type: 'line',
      ...src,
      'source-layer': 'roads',
      filter: ['!=', ['get', 'class'], 'path'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#a99f93', 'line-width': ['interpolate', ['exponential', 1.6], ['zoom'], 12, 1, 15, 5, 18, 20] },
    },
    {
      id: 'basemap-roads',
      type: 'line',
      ...src,
      'source-layer': 'roads',
      filter: ['!=', ['get', 'class'], 'path'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': ['case', major, '#fde7a6', '#ffffff'], 'line-width': width(2) },
    },
    {
      id: 'basemap-road-labels',
      type: 'symbol',
      ...src,
      'source-layer': 'roads',
      minzoom: 13,
      filter: ['has', 'name'],
      layout: {
        'symbol-placement': 'line',
        'text-field': ['get', 'name'],
        'text-font': [BASEMAP_FONT],
        'text-size': ['interpolate', ['linear'], ['zoom'], 13, 11, 16, 14, 18, 16],
        'text-max-angle': 30,
        'symbol-spacing': 300,
      },
      paint: { 'text-color': '#1f2a33', 'text-halo-color': '#ffffff', 'text-halo-width': 1.6 },
    },
    {
      id: 'basemap-place-labels',
      type: 'symbol',
      ...src,
      'source-layer': 'places',
      minzoom: 14,
      layout: { 'text-field': ['get', 'name'], 'text-font': [BASEMAP_FONT], 'text-size': 13, 'text-max-width': 8 },
      paint: { 'text-color': '#2d5a1e', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
    },
    {
      id: 'basemap-housenumbers',
      type: 'symbol',
      ...src,
      'source-layer': 'addresses',
      minzoom: 17,
      layout: { 'text-field': ['get', 'housenumber'], 'text-font': [BASEMAP_FONT], 'text-size': 11 },
      paint: { 'text-color': '#5c5046', 'text-halo-color': '#ffffff', 'text-halo-width': 1 },
    },
  )
  return style
}
