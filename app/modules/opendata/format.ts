/**
 * Writers of open data rows (pure): CSV (RFC 4180), JSON and GeoJSON (RFC 7946), one row at a time
 * so that a dataset of any size streams without being held in memory.
 */

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
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
  geojson: 'application/geo+json; charset=utf-8',
}

/**
 * One CSV cell. Text a spreadsheet would run as a formula (starting with = + - @, a tab or a
 * carriage return) gets a leading apostrophe (OWASP "CSV injection"): the files are opened in
 * spreadsheets by people, and the texts come from the public. JSON and GeoJSON keep every text
 * exactly as stored. Numbers stay numbers (a negative longitude is data).
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  let text = value
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export const csvHeader = (columns: readonly Column[]) => `\ufeff${columns.map((c) => csvCell(c.name)).join(',')}\r\n`

export function csvLine(columns: readonly Column[], row: Row): string {
  let out = ''
  for (let i = 0; i < columns.length; i++) {
    if (i) out += ','
    out += csvCell(row[columns[i]!.name])
  }
  return `${out}\r\n`
}

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
