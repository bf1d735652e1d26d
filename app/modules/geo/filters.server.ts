import { z } from 'zod'

/**
 * The map page's filter form (a GET form: it works without JavaScript and its URL can be shared).
 * Unknown or malformed values are dropped rather than refused: a filter link must never break.
 */
const token = /^[a-z0-9][a-z0-9_-]{0,39}$/i

export interface MapFilter {
  layers: string[] | null
  status: string[]
  category: string[]
  since: string | null
}

export function parseMapFilter(params: URLSearchParams, knownKinds: string[]): MapFilter {
  const many = (name: string) =>
    params
      .getAll(name)
      .flatMap((v) => v.split(','))
      .map((v) => v.trim())
      .filter((v) => token.test(v))
      .slice(0, 40)
  const since = z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    .safeParse(params.get('since') ?? '')
  // "layers" present (even empty) means the visitor chose; absent means every layer.
  const chosen = params.has('filtered') || params.has('layers') ? many('layers').filter((k) => knownKinds.includes(k)) : null
  return { layers: chosen, status: many('status'), category: many('category'), since: since.success ? since.data : null }
}
