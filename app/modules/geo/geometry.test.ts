import { describe, expect, it } from 'vitest'
import { bboxProblem, geometryContains, interiorPoint, latOfMercatorY, lngOfMercatorX, mercatorX, mercatorY, type AreaGeometry, type Position } from './geometry'

const square = (x0: number, y0: number, x1: number, y1: number): Position[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
]
const poly = (...rings: Position[][]): AreaGeometry => ({ type: 'Polygon', coordinates: rings })

describe('point in polygon', () => {
  it('excludes a hole and includes the ring around it', () => {
    const withHole = poly(square(0, 0, 10, 10), square(4, 4, 6, 6).reverse())
    expect(geometryContains(withHole, 5, 5)).toBe(false)
    expect(geometryContains(withHole, 2, 2)).toBe(true)
    expect(geometryContains(withHole, 8, 5)).toBe(true)
  })

  it('counts every part of a MultiPolygon and nothing between them', () => {
    const multi: AreaGeometry = { type: 'MultiPolygon', coordinates: [[square(0, 0, 1, 1)], [square(5, 5, 6, 6)]] }
    expect(geometryContains(multi, 0.5, 0.5)).toBe(true)
    expect(geometryContains(multi, 5.5, 5.5)).toBe(true)
    expect(geometryContains(multi, 3, 3)).toBe(false)
  })

  it('gives every point of a shared border to exactly one of the areas sharing it', () => {
    // Four squares meeting at (1, 1), traversed in both orientations.
    const areas = [poly(square(0, 0, 1, 1)), poly(square(1, 0, 2, 1).reverse()), poly(square(0, 1, 1, 2)), poly(square(1, 1, 2, 2).reverse())]
    const borderPoints: Array<[number, number]> = [
      [1, 0.5], // west|east border
      [0.5, 1], // south|north border
      [1, 1], // the corner all four share
      [1.5, 1],
      [1, 1.5],
      [1, 0.123456789],
    ]
    for (const [x, y] of borderPoints) {
      expect(areas.filter((a) => geometryContains(a, x, y)).length, `(${x}, ${y})`).toBe(1)
    }
    // The documented rule: the area to the east, or to the north of an east–west border.
    expect(geometryContains(areas[1]!, 1, 0.5)).toBe(true)
    expect(geometryContains(areas[2]!, 0.5, 1)).toBe(true)
  })

  it('gives a point on a slanted shared edge to exactly one side, whatever the rounding', () => {
    const a = poly([
      [0, 0],
      [3, 1],
      [0, 2],
      [0, 0],
    ])
    const b = poly([
      [3, 1],
      [0, 0],
      [4, 0],
      [4, 2],
      [0, 2],
      [3, 1],
    ])
    for (let i = 1; i < 100; i++) {
      const t = i / 100
      const x = 3 * t
      const y = t
      expect([a, b].filter((g) => geometryContains(g, x, y)).length).toBe(1)
    }
  })

  it('answers false outside the city', () => {
    expect(geometryContains(poly(square(0, 0, 1, 1)), 2, 0.5)).toBe(false)
    expect(geometryContains(poly(square(0, 0, 1, 1)), 0.5, -0.1)).toBe(false)
  })

  it('finds an inside point of a shape whose centre is outside it', () => {
    // A "C": its bounding-box centre is in the gap.
    const c = poly([
      [0, 0],
      [3, 0],
      [3, 1],
      [1, 1],
      [1, 2],
      [3, 2],
      [3, 3],
      [0, 3],
      [0, 0],
    ])
    expect(geometryContains(c, 1.5, 1.5)).toBe(false)
    const [x, y] = interiorPoint(c)
    expect(geometryContains(c, x, y)).toBe(true)
  })
})

describe('bounding boxes', () => {
  it.each([
    [[-1.6, 41.3, -1.4, 41.4], null],
    [[1, 2, 3], 'bboxShape'],
    [[1, 2, 3, Number.NaN], 'bboxShape'],
    [[-200, 0, 0, 10], 'bboxRange'],
    [[0, -91, 1, 1], 'bboxRange'],
    [[170, 0, -170, 10], 'bboxOrder'], // across the antimeridian: not supported
    [[0, 10, 1, 5], 'bboxOrder'],
    [[1, 1, 1, 2], 'bboxOrder'],
  ])('%j → %s', (box, problem) => {
    expect(bboxProblem(box)).toBe(problem)
  })
})

describe('Web Mercator integer coordinates', () => {
  it('round-trips to within a cell of 2^-24 of the world', () => {
    for (const [lng, lat] of [
      [-1.52, 41.35],
      [0, 0],
      [179.9, -80],
      [-179.9, 84],
    ] as const) {
      expect(Math.abs(lngOfMercatorX(mercatorX(lng)) - lng)).toBeLessThan(360 / 2 ** 24)
      expect(Math.abs(latOfMercatorY(mercatorY(lat)) - lat)).toBeLessThan(1e-4)
    }
    // y grows southwards, as on a screen.
    expect(mercatorY(41)).toBeGreaterThan(mercatorY(42))
  })
})
