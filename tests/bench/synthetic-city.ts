/**
 * A synthetic city for the setup benchmark: D × D districts, each cut into N × N neighbourhoods whose
 * edges wiggle (so each polygon has about 4 × EDGE vertices), noded like a clean GIS export: a border
 * between two areas is the same vertices in both, and a district's ring holds every vertex its
 * neighbourhoods put on it. `shift` moves the inner corners of neighbourhoods (not the districts'
 * borders): a re-import whose borders changed.
 */
type P = [number, number]

export interface SyntheticCity {
  districts: string
  neighbourhoods: string
  vertices: number
  bbox: [number, number, number, number]
}

export function syntheticCity(options: { districts: number; perSide: number; edge: number; shift?: number; west?: number; south?: number; cellDeg?: number }): SyntheticCity {
  const { districts: D, perSide: N, edge: E } = options
  const G = D * N // grid nodes per side - 1
  const west = options.west ?? 2.0
  const south = options.south ?? 41.3
  const cell = options.cellDeg ?? 0.002 // ≈ 170 × 220 m
  const shift = options.shift ?? 0
  const node = (i: number, j: number): P => {
    const onDistrictLine = i % N === 0 || j % N === 0
    const dx = onDistrictLine ? 0 : shift * cell * Math.sin(i * 12.9898 + j * 78.233)
    const dy = onDistrictLine ? 0 : shift * cell * Math.cos(i * 39.3468 + j * 11.135)
    return [west + i * cell + dx, south + j * cell + dy]
  }
  // The wiggling points strictly between two neighbouring nodes, from the lower node to the higher.
  const cache = new Map<string, P[]>()
  const between = (i0: number, j0: number, i1: number, j1: number): P[] => {
    const forward = i0 < i1 || (i0 === i1 && j0 < j1)
    const [a, b] = forward
      ? [
          [i0, j0],
          [i1, j1],
        ]
      : [
          [i1, j1],
          [i0, j0],
        ]
    const key = `${a[0]},${a[1]},${b[0]},${b[1]}`
    let pts = cache.get(key)
    if (!pts) {
      const p = node(a[0]!, a[1]!)
      const q = node(b[0]!, b[1]!)
      const nx = -(q[1] - p[1])
      const ny = q[0] - p[0]
      pts = []
      for (let k = 1; k < E; k++) {
        const t = k / E
        const w = 0.04 * Math.sin(t * Math.PI) * Math.sin(k * 1.7 + a[0]! * 3.1 + a[1]! * 5.3)
        pts.push([round(p[0] + t * (q[0] - p[0]) + w * nx), round(p[1] + t * (q[1] - p[1]) + w * ny)])
      }
      cache.set(key, pts)
    }
    return forward ? pts : [...pts].reverse()
  }
  const round = (v: number) => Math.round(v * 1e9) / 1e9
  const nodeR = (i: number, j: number): P => node(i, j).map(round) as P
  /** A counter-clockwise ring around the grid rectangle [i0, i1] × [j0, j1], through every grid node and wiggle on it. */
  const ring = (i0: number, j0: number, i1: number, j1: number): P[] => {
    const corners: P[] = []
    const path: Array<[number, number]> = []
    for (let i = i0; i < i1; i++) path.push([i, j0])
    for (let j = j0; j < j1; j++) path.push([i1, j])
    for (let i = i1; i > i0; i--) path.push([i, j1])
    for (let j = j1; j > j0; j--) path.push([i0, j])
    path.push([i0, j0])
    for (let k = 0; k + 1 < path.length; k++) {
      const [a, b] = [path[k]!, path[k + 1]!]
      corners.push(nodeR(a[0], a[1]), ...between(a[0], a[1], b[0], b[1]))
    }
    corners.push(corners[0]!)
    return corners
  }
  let vertices = 0
  const districtFeatures: string[] = []
  const neighbourhoodFeatures: string[] = []
  for (let dj = 0; dj < D; dj++) {
    for (let di = 0; di < D; di++) {
      const code = `D${dj * D + di + 1}`
      districtFeatures.push(
        JSON.stringify({ type: 'Feature', properties: { name: `District ${dj * D + di + 1}`, code }, geometry: { type: 'Polygon', coordinates: [ring(di * N, dj * N, (di + 1) * N, (dj + 1) * N)] } }),
      )
      for (let nj = 0; nj < N; nj++) {
        for (let ni = 0; ni < N; ni++) {
          const i = di * N + ni
          const j = dj * N + nj
          const r = ring(i, j, i + 1, j + 1)
          vertices += r.length
          neighbourhoodFeatures.push(
            JSON.stringify({ type: 'Feature', properties: { name: `Neighbourhood ${i}-${j}`, code: `N${i}-${j}`, district: code }, geometry: { type: 'Polygon', coordinates: [r] } }),
          )
        }
      }
    }
  }
  const fc = (features: string[]) => `{"type":"FeatureCollection","features":[${features.join(',')}]}`
  return { districts: fc(districtFeatures), neighbourhoods: fc(neighbourhoodFeatures), vertices, bbox: [west, south, west + G * cell, south + G * cell] }
}
