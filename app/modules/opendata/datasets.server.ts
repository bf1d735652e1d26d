import type { Column, Point, Row } from './format'

/**
 * The open data catalogue: each capability registers its public datasets here (from
 * app/modules/registry.server.ts). A dataset is read a page at a time by key (keyset pagination:
 * no OFFSET, no cursor held open between pages), so an export of a million rows keeps memory flat
 * and lets other requests run between pages.
 */

export interface DatasetRow {
  /** Strictly increasing within the dataset: the next page starts after the last key. */
  key: number
  row: Row
  point?: Point | null
  /** GeoJSON geometry text (an area's polygon) when the row is an area. */
  geometryJson?: string | null
}

export interface Dataset {
  /** URL name: /data/<name>.csv */
  name: string
  /** i18n keys under `opendata:datasets.<name>`: title, description, and columns.<column>. */
  columns: readonly Column[]
  /** What a GeoJSON feature's geometry is: the row's point, its area's polygon, or none (null). */
  geometry: 'point' | 'area' | 'none'
  /** Rows after `after` (exclusive), in key order, at most `limit`. Only what the public may see. */
  page(after: number, limit: number): Promise<DatasetRow[]>
  /** Rows right now (shown on /data). */
  count(): Promise<number>
}

const registry: Map<string, Dataset> = ((globalThis as { __plazaDatasets?: Map<string, Dataset> }).__plazaDatasets ??= new Map())

export function registerDataset(dataset: Dataset) {
  if (!/^[a-z][a-z0-9-]*$/.test(dataset.name)) throw new Error(`Bad dataset name ${dataset.name}`)
  registry.set(dataset.name, dataset)
}

export const datasets = (): Dataset[] => [...registry.values()]
export const getDataset = (name: string): Dataset | undefined => registry.get(name)
