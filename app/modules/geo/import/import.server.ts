import crypto from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { AreaLevel, Database } from '../../../../db/schema'
import { database, type PlazaDatabase } from '../../../lib/db.server'
import { statements, type Statements } from '../../../lib/db/statements'
import { serializeLocalized } from '../../../lib/localized'
import { recordAudit } from '../../moderation/moderation.server'
import { forgetCachedAreas } from '../areas.server'
import { areaSquareMetres, bboxOf, interiorPoint, type AreaGeometry } from '../geometry'
import { relocateMapItems } from '../map-index.server'
import { AreaLocator, areaRelocators, type AreaRelocation } from '../relocation'
import { readGeographyFile, type RawFeature, type ReadProblem } from './read.server'
import { simplify, vertexCount } from './shape'
import { validateFeatures, type ExistingArea, type ImportOptions, type ImportProblem, type PreparedArea } from './validate'

/**
 * A geography import, from file to committed areas: read (read.server.ts), check (validate.ts),
 * plan against the current geography (matched by code: kept, renamed, reshaped, new, removed),
 * then commit in ONE write transaction that also recomputes the areas of every located item of
 * every capability (each through the relocate function its manifest declares, app/modules/geo/relocation.ts)
 * and reports what moved.
 */

type Executor = Kysely<Database> | Transaction<Database>

export const levelOfDepth = (depth: number): AreaLevel => (depth === 0 ? 'city' : depth === 1 ? 'district' : 'neighbourhood')

/** The current areas; each geometry is parsed only when something reads it (a re-import of 10,000 areas reads few). */
export async function loadExistingAreas(executor: Executor = database().db): Promise<Array<ExistingArea & { geometryText: string }>> {
  const rows = await executor.selectFrom('areas').select(['id', 'code', 'slug', 'name', 'depth', 'parent_id', 'level', 'geometry']).execute()
  return rows.map((r) => {
    let parsed: AreaGeometry | null = null
    return {
      id: r.id,
      code: r.code,
      slug: r.slug,
      name: r.name,
      depth: r.depth,
      level: r.level,
      parentId: r.parent_id,
      geometryText: r.geometry,
      get geometry() {
        return (parsed ??= JSON.parse(r.geometry) as AreaGeometry)
      },
    }
  })
}

export interface AreaChange {
  kind: 'new' | 'renamed' | 'reshaped' | 'removed' | 'unchanged'
  code: string
  name: string
  oldName?: string
  /** For a removed area: the area its items and references go to. */
  successor?: string | null
}

/** Problems only the plan finds (what removing an area would leave behind). */
export type PlanProblem =
  { kind: 'removedWithChildren'; code: string; name: string; children: number } | { kind: 'removedStillUsed'; code: string; name: string; representatives: number; census: number }

type LoadedArea = ExistingArea & { geometryText: string }

export interface ImportPlan {
  problems: Array<ImportProblem | PlanProblem>
  areas: PreparedArea[]
  boundary: AreaGeometry | null
  changes: AreaChange[]
  /** Existing ids at the imported depth, by the code of the prepared area that keeps them. */
  keep: Map<string, LoadedArea>
  removed: LoadedArea[]
}

/** Checks and plans an import against `existing` (pure but for the counts of references read through `sql`). */
async function plan(features: RawFeature[], properties: string[], options: ImportOptions, existing: LoadedArea[], sql: Statements): Promise<ImportPlan> {
  const v = validateFeatures(features, properties, options, existing)
  const problems: ImportPlan['problems'] = [...v.problems]
  const atDepth = existing.filter((a) => a.depth === options.depth)
  const keep = new Map<string, LoadedArea>()
  const changes: AreaChange[] = []
  if (options.depth === 0) {
    const city = atDepth[0]
    if (city && v.areas[0]) keep.set(v.areas[0].code, city)
  } else {
    const byCode = new Map(atDepth.filter((a) => a.code !== null).map((a) => [a.code!, a]))
    for (const a of v.areas) {
      const old = byCode.get(a.code)
      if (old) keep.set(a.code, old)
    }
  }
  for (const a of v.areas) {
    const old = keep.get(a.code)
    if (!old) changes.push({ kind: 'new', code: a.code, name: a.name })
    else if (old.name !== a.name) changes.push({ kind: 'renamed', code: a.code, name: a.name, oldName: old.name })
    else if (old.geometryText !== JSON.stringify(a.geometry)) changes.push({ kind: 'reshaped', code: a.code, name: a.name })
    else changes.push({ kind: 'unchanged', code: a.code, name: a.name })
  }
  const keptIds = new Set([...keep.values()].map((a) => a.id))
  const removed = v.problems.length ? [] : atDepth.filter((a) => !keptIds.has(a.id))
  if (removed.length) {
    // Where each removed area's inside point falls among the new areas of its level.
    const locator = new AreaLocator(v.areas.map((a, i) => ({ id: -(i + 1), level: levelOfDepth(options.depth), depth: options.depth, geometry: a.geometry })))
    for (const old of removed) {
      const [lng, lat] = interiorPoint(old.geometry)
      const hit = locator.locate(lat, lng)[0]
      const successor = hit ? v.areas[-hit.id - 1]! : null
      changes.push({ kind: 'removed', code: old.code ?? old.slug, name: old.name, successor: successor?.name ?? null })
      if (!successor) {
        const children = existing.filter((c) => c.parentId === old.id).length
        if (children) problems.push({ kind: 'removedWithChildren', code: old.code ?? old.slug, name: old.name, children })
        const representatives = Number((await sql.get<{ n: number }>('select count(*) as n from representatives where area_id = ?', old.id))?.n ?? 0)
        const census = Number((await sql.get<{ n: number }>('select count(*) as n from census_records where area_id = ?', old.id))?.n ?? 0)
        if (representatives || census) problems.push({ kind: 'removedStillUsed', code: old.code ?? old.slug, name: old.name, representatives, census })
      }
    }
  }
  return { problems, areas: v.areas, boundary: v.boundary, changes, keep, removed }
}

export interface ImportPreview {
  problems: ImportPlan['problems']
  changes: AreaChange[]
  areas: Array<{ feature: number; code: string; name: string; geometry: AreaGeometry }>
  boundary: AreaGeometry | null
}

/** What an import would do, with every problem; nothing is written. */
export async function previewImport(features: RawFeature[], properties: string[], options: ImportOptions, db: PlazaDatabase = database()): Promise<ImportPreview> {
  const existing = await loadExistingAreas(db.db)
  const p = await plan(features, properties, options, existing, statements(db, db.db))
  return { problems: p.problems, changes: p.changes, areas: p.areas.map((a) => ({ feature: a.feature, code: a.code, name: a.name, geometry: a.geometry })), boundary: p.boundary }
}

export interface ImportOutcome {
  kind: 'imported'
  created: number
  updated: number
  renamed: number
  removed: number
  /** Located items whose areas changed, per kind of item. */
  moved: Record<string, number>
  changes: AreaChange[]
}

export type CommitResult = ImportOutcome | { kind: 'invalid'; problems: ImportPlan['problems'] }

/** Drawing tolerance: about a five-hundredth of the area's extent (sub-pixel on Plaza's maps). */
function drawingCopy(g: AreaGeometry): string | null {
  if (vertexCount(g) <= 64) return null
  const [w, s, e, n] = bboxOf(g)
  return JSON.stringify(simplify(g, Math.max(e - w, n - s) / 500))
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
  return slug || 'area'
}

function columns(a: { geometry: AreaGeometry }) {
  const [minLng, minLat, maxLng, maxLat] = bboxOf(a.geometry)
  return {
    geometry: JSON.stringify(a.geometry),
    geometry_simplified: drawingCopy(a.geometry),
    min_lng: minLng,
    min_lat: minLat,
    max_lng: maxLng,
    max_lat: maxLat,
    area_m2: areaSquareMetres(a.geometry),
  }
}

export interface CommitInput {
  features: RawFeature[]
  properties: string[]
  options: ImportOptions
  actorId: number | null
  fileName: string
  /** The staged import this commits (marked committed in the same transaction). */
  stagedId?: number
}

/**
 * Writes an import in one transaction: areas matched by code are updated in place (a changed slug
 * leaves a redirect), new ones inserted, missing ones removed after every reference moved to the
 * area that replaces them, and every located item's areas recomputed. Checked again inside the
 * transaction: anything wrong and nothing is written.
 */
export async function commitImport(input: CommitInput, db: PlazaDatabase = database()): Promise<CommitResult> {
  const result = await db.write((trx) => writeImport(trx, input, db))
  if (result.kind === 'imported') forgetCachedAreas()
  return result
}

/**
 * The import's writes inside a caller's transaction (the configuration import applies several
 * levels and other sections in one). Returns 'invalid' before writing anything when the plan has
 * problems; the caller then rolls back whatever else it wrote. The caller forgets cached areas.
 */
export async function writeImport(trx: Transaction<Database>, input: CommitInput, db: PlazaDatabase = database()): Promise<CommitResult> {
  // Without the capabilities' relocators an import would leave every item in its old area.
  if (areaRelocators().size === 0) throw new Error('No capability is registered: call registerCapabilities() (app/modules/registry.server.ts) before importing a geography')
  const { options } = input
  const depth = options.depth
  const level = levelOfDepth(depth)
  {
    const sql = statements(db, trx)
    const existing = await loadExistingAreas(trx)
    const p = await plan(input.features, input.properties, options, existing, sql)
    if (p.problems.length) return { kind: 'invalid', problems: p.problems }
    const at = new Date().toISOString()

    // The city: the union of the districts, when asked.
    let cityId = existing.find((a) => a.depth === 0)?.id ?? null
    if (depth === 1 && options.boundaryFromUnion && p.boundary) {
      if (cityId !== null)
        await trx
          .updateTable('areas')
          .set(columns({ geometry: p.boundary }))
          .where('id', '=', cityId)
          .execute()
      else {
        const profile = await trx.selectFrom('settings').select('value').where('key', '=', 'city').executeTakeFirst()
        const name = profile ? ((JSON.parse(profile.value) as { name?: string }).name ?? 'City') : 'City'
        const row = await trx
          .insertInto('areas')
          .values({
            slug: slugify(name),
            name,
            names: serializeLocalized({ [options.defaultLocale ?? 'en']: name }),
            code: 'city',
            level: 'city',
            depth: 0,
            parent_id: null,
            level_name: null,
            ...columns({ geometry: p.boundary }),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
        cityId = row.id
      }
    }

    // Slugs: free again are those of the areas at this depth; two passes avoid clashes when areas swap names.
    const atDepthIds = new Set(existing.filter((a) => a.depth === depth).map((a) => a.id))
    const taken = new Set(existing.filter((a) => !atDepthIds.has(a.id)).map((a) => a.slug))
    if (cityId !== null && !existing.some((a) => a.id === cityId)) taken.add((await trx.selectFrom('areas').select('slug').where('id', '=', cityId).executeTakeFirstOrThrow()).slug)
    const slugFor = new Map<string, string>()
    for (const a of p.areas) {
      const old = p.keep.get(a.code)
      if (old && old.name === a.name && !taken.has(old.slug)) {
        slugFor.set(a.code, old.slug)
        taken.add(old.slug)
      }
    }
    for (const a of p.areas) {
      if (slugFor.has(a.code)) continue
      let slug = slugify(a.name)
      if (taken.has(slug)) slug = `${slug}-${slugify(a.code)}`
      for (let n = 2; taken.has(slug); n++) slug = `${slugify(a.name)}-${n}`
      taken.add(slug)
      slugFor.set(a.code, slug)
    }
    for (const old of p.keep.values())
      await trx
        .updateTable('areas')
        .set({ slug: `~import-${old.id}` })
        .where('id', '=', old.id)
        .execute()

    const ids = new Map<string, number>()
    let created = 0
    let updated = 0
    let renamed = 0
    for (const a of p.areas) {
      const old = p.keep.get(a.code)
      const values = {
        slug: slugFor.get(a.code)!,
        code: a.code,
        name: a.name,
        names: serializeLocalized(a.names),
        level,
        depth,
        level_name: depth >= 3 ? (options.levelName ?? null) : null,
        parent_id: depth === 0 ? null : depth === 1 ? cityId : a.parentId,
        ...columns(a),
      }
      if (old) {
        await trx.updateTable('areas').set(values).where('id', '=', old.id).execute()
        ids.set(a.code, old.id)
        updated++
        if (old.slug !== values.slug) {
          renamed++
          await trx
            .insertInto('area_slug_redirects')
            .values({ old_slug: old.slug, area_id: old.id, created_at: at })
            .onConflict((oc) => oc.column('old_slug').doUpdateSet({ area_id: old.id, created_at: at }))
            .execute()
        }
      } else {
        const row = await trx.insertInto('areas').values(values).returning('id').executeTakeFirstOrThrow()
        ids.set(a.code, row.id)
        created++
      }
    }

    // The new geography, in memory, for every point and every removed area.
    const removedIds = new Set(p.removed.map((a) => a.id))
    const kept = existing.filter((a) => a.depth !== depth && !(a.id === cityId && p.boundary))
    const located = [
      ...kept.map((a) => ({ id: a.id, level: levelOfDepth(a.depth), depth: a.depth, geometry: a.geometry })),
      ...p.areas.map((a) => ({ id: ids.get(a.code)!, level, depth, geometry: a.geometry })),
      ...(p.boundary && cityId !== null ? [{ id: cityId, level: 'city' as const, depth: 0, geometry: p.boundary }] : []),
    ]
    const locator = new AreaLocator(located)
    const successors = new Map<number, number | null>()
    for (const old of p.removed) {
      const [lng, lat] = interiorPoint(old.geometry)
      const hits = locator.locate(lat, lng)
      successors.set(old.id, hits.find((h) => h.depth === depth)?.id ?? null)
    }
    const relocation: AreaRelocation = {
      sql,
      locate: (lat, lng) => locator.locate(lat, lng),
      successor: (id) => (successors.has(id) ? successors.get(id)! : id),
      removed: removedIds,
      at,
    }

    // Children of removed areas: under the new area their inside point falls in.
    for (const child of existing.filter((c) => c.parentId !== null && removedIds.has(c.parentId))) {
      const [lng, lat] = interiorPoint(child.geometry)
      const parent = locator.locate(lat, lng).find((h) => h.depth === depth)?.id ?? relocation.successor(child.parentId!)
      await trx.updateTable('areas').set({ parent_id: parent }).where('id', '=', child.id).execute()
    }

    // The map index (geo's own), then every capability that stores item → area links (their manifests' relocateAreas).
    const moved: Record<string, number> = { map: await relocateMapItems(relocation) }
    for (const relocate of areaRelocators().values()) Object.assign(moved, await relocate(relocation))

    for (const old of p.removed) {
      const next = successors.get(old.id) ?? null
      if (next !== null) {
        await trx
          .insertInto('area_slug_redirects')
          .values({ old_slug: old.slug, area_id: next, created_at: at })
          .onConflict((oc) => oc.column('old_slug').doUpdateSet({ area_id: next, created_at: at }))
          .execute()
        // Old slugs that led to the removed area now lead to its successor.
        await trx.updateTable('area_slug_redirects').set({ area_id: next }).where('area_id', '=', old.id).execute()
      }
      await trx.deleteFrom('areas').where('id', '=', old.id).execute()
    }
    // A slug in use by an area never redirects.
    await trx.deleteFrom('area_slug_redirects').where('old_slug', 'in', trx.selectFrom('areas').select('slug')).execute()

    const outcome: ImportOutcome = { kind: 'imported', created, updated, renamed, removed: p.removed.length, moved, changes: p.changes }
    if (input.stagedId !== undefined) await trx.updateTable('area_imports').set({ committed_at: at }).where('id', '=', input.stagedId).execute()
    await recordAudit(trx, {
      actorId: input.actorId,
      action: 'areas.import',
      targetKind: 'area_import',
      targetId: input.stagedId ?? 0,
      after: { file: input.fileName, depth, created, updated, renamed, removed: p.removed.length, moved },
    })
    return outcome
  }
}

/** Every area by level, as the configuration document carries them (codes, names, parents' codes, exact geometry). */
export async function exportAreaLevels(db: PlazaDatabase = database()) {
  const rows = await db.db.selectFrom('areas').select(['id', 'code', 'slug', 'names', 'name', 'depth', 'level_name', 'parent_id', 'geometry']).orderBy('depth').orderBy('code').execute()
  const codeOf = new Map(rows.map((r) => [r.id, r.code ?? r.slug]))
  const levels = new Map<number, { depth: number; levelName: string | null; areas: Array<{ code: string; names: Record<string, string>; parent: string | null; geometry: unknown }> }>()
  for (const r of rows) {
    const level = levels.get(r.depth) ?? { depth: r.depth, levelName: r.level_name, areas: [] }
    const names = JSON.parse(r.names || '{}') as Record<string, string>
    level.areas.push({
      code: r.code ?? r.slug,
      names: Object.keys(names).length ? names : { en: r.name },
      parent: r.parent_id === null ? null : (codeOf.get(r.parent_id) ?? null),
      geometry: JSON.parse(r.geometry) as unknown,
    })
    levels.set(r.depth, level)
  }
  return [...levels.values()]
}

// ---------------------------------------------------------------- staging (the admin page)

export type StageResult = { kind: 'staged'; token: string } | { kind: 'unreadable'; problem: ReadProblem }

/** Reads an upload and keeps it (in WGS84) until its preview is accepted. */
export async function stageImport(bytes: Uint8Array, fileName: string, actorId: number | null, db: PlazaDatabase = database()): Promise<StageResult> {
  const read = await readGeographyFile(bytes, fileName)
  if (!read.ok) return { kind: 'unreadable', problem: read.problem }
  const token = crypto.randomBytes(16).toString('hex')
  const at = new Date().toISOString()
  await db.write(async (trx) => {
    // Staged imports older than a day are dropped; they are only a step between two pages.
    await trx
      .deleteFrom('area_imports')
      .where('created_at', '<', new Date(Date.now() - 86_400_000).toISOString())
      .execute()
    await trx
      .insertInto('area_imports')
      .values({
        token,
        file_name: fileName.slice(0, 200),
        format: read.format,
        crs: read.crs,
        features: JSON.stringify({ properties: read.properties, features: read.features }),
        created_by: actorId,
        created_at: at,
        committed_at: null,
      })
      .execute()
  })
  return { kind: 'staged', token }
}

export interface StagedImport {
  id: number
  token: string
  fileName: string
  format: string
  crs: string
  properties: string[]
  features: RawFeature[]
  committedAt: string | null
}

export async function stagedImport(token: string, db: PlazaDatabase = database()): Promise<StagedImport | null> {
  if (!/^[0-9a-f]{32}$/.test(token)) return null
  const row = await db.db.selectFrom('area_imports').selectAll().where('token', '=', token).executeTakeFirst()
  if (!row) return null
  const body = JSON.parse(row.features) as { properties: string[]; features: RawFeature[] }
  return { id: row.id, token: row.token, fileName: row.file_name, format: row.format, crs: row.crs, properties: body.properties, features: body.features, committedAt: row.committed_at }
}

/** A guess at which property is which, from the names councils' files use. */
export function guessProperties(properties: string[]): { name?: string; code?: string; parent?: string } {
  const find = (patterns: RegExp[]) => {
    for (const re of patterns) {
      const hit = properties.find((p) => re.test(p))
      if (hit) return hit
    }
    return undefined
  }
  return {
    name: find([/^name$/i, /^nom$/i, /^nombre$/i, /^nom_?en$/i, /name/i, /^nom/i]),
    code: find([/^code$/i, /^codi$/i, /^codigo$/i, /^cod$/i, /^id$/i, /code|codi|cod_/i]),
    parent: find([/^parent/i, /district/i, /distrito/i, /districte/i, /parent/i]),
  }
}

/** The current geography, level by level (for the admin page). */
export async function geographySummary(db: PlazaDatabase = database()): Promise<Array<{ depth: number; level: AreaLevel; levelName: string | null; count: number; withoutCode: number }>> {
  const rows = await db.db
    .selectFrom('areas')
    .select((eb) => ['depth', 'level', 'level_name', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>(eb.case().when('code', 'is', null).then(1).else(0).end()).as('without')])
    .groupBy(['depth', 'level', 'level_name'])
    .orderBy('depth')
    .execute()
  return rows.map((r) => ({ depth: r.depth, level: r.level, levelName: r.level_name, count: Number(r.n), withoutCode: Number(r.without) }))
}
