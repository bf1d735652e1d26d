import { z } from 'zod'
import type { FieldErrors } from '../../lib/forms'
import { areaPoint, cityProfile } from './areas.server'
import { areasContaining, type AreaHit } from './lookup.server'

/**
 * The location picker's server side: a form sends `lat` and `lng` (the map, "my location", an
 * address search or typed coordinates) or `area` (the no-JavaScript choice of a district or
 * neighbourhood). resolveLocation turns that into a point and the areas containing it, or field
 * errors as i18n keys of the `geo` namespace — a point outside the city is a person's mistake to
 * correct (400 next to the field), never a server error.
 */

export interface ResolvedLocation {
  lat: number
  lng: number
  /** City first, then district, then neighbourhood. */
  areas: AreaHit[]
  source: 'point' | 'area'
}

const coordinate = (min: number, max: number, message: string) =>
  z
    .string()
    .trim()
    .max(40, message)
    // People type decimal commas too ("41,35").
    .transform((v) => (v === '' ? undefined : Number(v.replace(',', '.'))))
    .refine((v) => v === undefined || (Number.isFinite(v) && v >= min && v <= max), message)
    .optional()

export const locationFieldsSchema = z.object({
  lat: coordinate(-90, 90, 'picker.errors.lat'),
  lng: coordinate(-180, 180, 'picker.errors.lng'),
  area: z
    .string()
    .trim()
    .max(100, 'picker.errors.area')
    .regex(/^[a-z0-9-]*$/, 'picker.errors.area')
    .optional(),
})

export type LocationFields = { lat?: string; lng?: string; area?: string }

/** Field errors carry i18n keys (geo:…); the route translates them. */
export async function resolveLocation(fields: Record<string, unknown>): Promise<{ ok: true; location: ResolvedLocation } | { ok: false; errors: FieldErrors }> {
  const parsed = locationFieldsSchema.safeParse({
    lat: typeof fields.lat === 'string' ? fields.lat : undefined,
    lng: typeof fields.lng === 'string' ? fields.lng : undefined,
    area: typeof fields.area === 'string' ? fields.area : undefined,
  })
  if (!parsed.success) {
    const errors: FieldErrors = {}
    for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= [issue.message]
    return { ok: false, errors }
  }
  const { lat, lng, area } = parsed.data
  if (lat !== undefined || lng !== undefined) {
    if (lat === undefined) return { ok: false, errors: { lat: ['picker.errors.latMissing'] } }
    if (lng === undefined) return { ok: false, errors: { lng: ['picker.errors.lngMissing'] } }
    const areas = await areasContaining(lat, lng)
    if (areas.length === 0) return { ok: false, errors: { location: ['picker.errors.outside'] } }
    return { ok: true, location: { lat, lng, areas, source: 'point' } }
  }
  if (area) {
    const point = await areaPoint(area)
    if (!point) return { ok: false, errors: { area: ['picker.errors.area'] } }
    const areas = await areasContaining(point.lat, point.lng)
    return { ok: true, location: { lat: point.lat, lng: point.lng, areas, source: 'area' } }
  }
  return { ok: false, errors: { location: ['picker.errors.missing'] } }
}

/**
 * An optional place on a form (the location picker's lat, lng and area fields, and its "no place"
 * box), read the same way by every form that offers one (proposals, petitions): none when the box
 * is ticked or nothing was given; else the resolved point, with `values` rewritten to it (so the
 * form shows the point it will save) or the geo errors, translated, added to `errors`.
 */
export async function readOptionalPlace(
  fields: Record<string, string | undefined>,
  values: { lat: string; lng: string; area: string },
  errors: Record<string, string>,
  t: (key: string, options?: Record<string, unknown>) => string,
): Promise<{ lat: number; lng: number } | null> {
  if (fields.noPlace === 'on') {
    values.lat = ''
    values.lng = ''
    values.area = ''
    return null
  }
  if (!values.lat.trim() && !values.lng.trim() && !values.area.trim()) return null
  const resolved = await resolveLocation({ lat: values.lat, lng: values.lng, area: values.area })
  if (resolved.ok) {
    values.lat = String(resolved.location.lat)
    values.lng = String(resolved.location.lng)
    values.area = ''
    return { lat: resolved.location.lat, lng: resolved.location.lng }
  }
  const city = (await cityProfile())?.name ?? 'Plaza'
  for (const [field, keys] of Object.entries(resolved.errors)) if (keys?.[0]) errors[field] ??= t(`geo:${keys[0]}`, { city })
  return null
}
