/**
 * Writers of open data rows (pure): CSV (RFC 4180, app/lib/csv.ts), JSON and GeoJSON (RFC 7946),
 * a page at a time so that a dataset of any size streams without being held in memory.
 */

import { CSV_CONTENT_TYPE, csvHeader as csvHeaderLine, csvRows } from '../../lib/csv'

export type ColumnType = 'integer' | 'number' | 'string' | 'datetime' | 'date' | 'boolean' | 'url'

export interface Column {
  name: string
  type: ColumnType
}

export type Row = Record<string, string | number | boolean | null>

export interface Point {
  lat: number
  lng: number
}

export const formats = ['csv', 'json', 'geojson'] as const
export type Format = (typeof formats)[number]
export const isFormat = (v: unknown): v is Format => typeof v === 'string' && (formats as readonly string[]).includes(v)

export const contentTypes: Record<Format, string> = {
  csv: CSV_CONTENT_TYPE,
  json: 'application/json; charset=utf-8',
  geojson: 'application/geo+json; charset=utf-8',
}

/** The header line (after a byte-order mark), written by the shared CSV writer with its formula guard. */
export const csvHeader = (columns: readonly Column[]) => csvHeaderLine(columns.map((c) => c.name))

/** Rows in the columns' order as CSV lines. JSON and GeoJSON keep every text exactly as stored. */
export const csvLines = (columns: readonly Column[], rows: readonly Row[]): string => csvRows(rows.map((row) => columns.map((c) => row[c.name])))

/** The row as a JSON object with the columns in their documented order. */
export function jsonObject(columns: readonly Column[], row: Row): string {
  const o: Record<string, unknown> = {}
  for (const c of columns) o[c.name] = row[c.name] ?? null
  return JSON.stringify(o)
}

/**
 * A GeoJSON Feature: the row's point (RFC 7946: [longitude, latitude]) or its area's geometry
 * (already GeoJSON text), null when it has neither; every other column in `properties`.
 */
export function geojsonFeature(columns: readonly Column[], row: Row, geometry: { point?: Point | null; geometryJson?: string | null }): string {
  const properties = jsonObject(columns, row)
  let g = 'null'
  if (geometry.geometryJson) g = geometry.geometryJson
  else if (geometry.point && Number.isFinite(geometry.point.lat) && Number.isFinite(geometry.point.lng)) {
    g = `{"type":"Point","coordinates":[${geometry.point.lng},${geometry.point.lat}]}`
  }
  const id = row.id
  const idPart = typeof id === 'number' || typeof id === 'string' ? `"id":${JSON.stringify(id)},` : ''
  return `{"type":"Feature",${idPart}"geometry":${g},"properties":${properties}}`
}
