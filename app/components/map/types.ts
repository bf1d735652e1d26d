/** Shared by the map components (browser) and the geo module (server). */
export interface MapClientConfig {
  /** Raster tiles "…/{z}/{x}/{y}.png", or null. */
  tileUrl: string | null
  /** A MapLibre style URL, or null. */
  styleUrl: string | null
  attribution: string | null
  /** Nominatim-style /search endpoint, or null (no address search). */
  geocoderUrl: string | null
}

export type BBox = [number, number, number, number]

export interface FeatureFilter {
  layers: string[]
  status?: string[]
  category?: string[]
  since?: string
}

export interface PointFeature {
  type: 'Feature'
  id: string
  geometry: { type: 'Point'; coordinates: [number, number] }
  properties: PointProperties
}

/** One located item as the map shows it (the server builds them, the browser reads them). */
export interface PointProperties {
  cluster: false
  kind: string
  itemId: number
  title: string
  status: string
  category: string | null
  createdAt: string
  url: string | null
}

export interface ClusterFeature {
  type: 'Feature'
  id: string
  geometry: { type: 'Point'; coordinates: [number, number] }
  properties: { cluster: true; count: number; counts: Record<string, number>; expansionZoom: number }
}

export interface FeatureCollectionAnswer {
  type: 'FeatureCollection'
  bbox: BBox
  features: Array<PointFeature | ClusterFeature>
  plaza: { level: number; total: number; clustered: boolean; truncated: boolean }
}

/** Layer labels and colours, in the order the server lists registered kinds. */
export interface LayerInfo {
  kind: string
  label: string
  colour: string
}
