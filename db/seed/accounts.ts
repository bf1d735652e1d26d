import { sql } from 'kysely'
import type { PlazaDatabase } from '../../app/lib/db.server'
import type { Role } from '../schema'
import { hashPassword } from '../../app/modules/accounts/passwords.server'
import { documentHash } from '../../app/modules/accounts/census.server'
import type { SeedStep } from './index'
import { mulberry32 } from './random'

/**
 * Demo accounts, departments and census. The credentials are documented in the README: they are
 * for trying Plaza, never for a public site.
 */
export const DEMO_PASSWORD = 'valmera-demo-2026'

// Names in every language Plaza speaks (localized JSON, app/lib/localized.ts).
export const demoDepartments = [
  { slug: 'roads', name: { en: 'Roads and pavements', es: 'Vías públicas y aceras', fr: 'Voirie et trottoirs' }, email: 'roads@valmera.example', phone: '+34 900 100 101' },
  { slug: 'street-lighting', name: { en: 'Street lighting', es: 'Alumbrado público', fr: 'Éclairage public' }, email: 'lighting@valmera.example', phone: '+34 900 100 102' },
  { slug: 'waste', name: { en: 'Waste and cleaning', es: 'Residuos y limpieza', fr: 'Déchets et propreté' }, email: 'waste@valmera.example', phone: null },
  { slug: 'parks', name: { en: 'Parks and trees', es: 'Parques y arbolado', fr: 'Parcs et arbres' }, email: null, phone: null },
  { slug: 'water', name: { en: 'Water and drainage', es: 'Agua y alcantarillado', fr: 'Eau et assainissement' }, email: null, phone: null },
]

export const demoUsers: Array<{ email: string; name: string; level: number; roles: Array<{ role: Role; department?: string }>; census?: string }> = [
  { email: 'admin@valmera.example', name: 'Alba Admin', level: 3, roles: [{ role: 'admin' }], census: 'VAL000011' },
  { email: 'roads@valmera.example', name: 'Rafael Roads', level: 1, roles: [{ role: 'staff', department: 'roads' }] },
  { email: 'lighting@valmera.example', name: 'Lucía Lighting', level: 1, roles: [{ role: 'staff', department: 'street-lighting' }] },
  { email: 'moderator@valmera.example', name: 'Marc Moderator', level: 1, roles: [{ role: 'moderator' }] },
  { email: 'resident@valmera.example', name: 'Rosa Resident', level: 2, roles: [], census: 'VAL000010' },
  { email: 'citizen@valmera.example', name: 'Carles Citizen', level: 1, roles: [] },
]

/** Census records anyone can use to try residence verification (see README). */
export const demoCensus = [
  { document: 'VAL000001', birthDate: '1980-04-12' },
  { document: 'VAL000002', birthDate: '1975-11-30' },
  { document: 'VAL000003', birthDate: '1992-06-05' },
]

const count = async (database: PlazaDatabase, table: 'departments' | 'census_records') =>
  Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(database.db)).rows[0]!.n)

export const accountsStep: SeedStep = {
  name: 'accounts',
  size: (o) => 3 + Math.round(500 * o.scale),
  async run(database, options, progress) {
    let created = 0
    const stamp = new Date().toISOString()
    if ((await count(database, 'departments')) === 0) {
      await database.write(async (trx) => {
        for (const d of demoDepartments)
          await trx
            .insertInto('departments')
            .values({ ...d, name: JSON.stringify(d.name), created_at: stamp })
            .execute()
      })
      created += demoDepartments.length
    }
    progress(1)

    // The census: the documented records, then synthetic residents spread over the neighbourhoods.
    const census = Math.round(500 * options.scale)
    if ((await count(database, 'census_records')) === 0) {
      const neighbourhoods = await database.db.selectFrom('areas').select('id').where('level', '=', 'neighbourhood').orderBy('slug').execute()
      const random = mulberry32(options.seed * 7919)
      const rows: Array<{ document: string; birthDate: string; areaId: number }> = []
      for (let i = 1; i <= census; i++) {
        const known = demoCensus[i - 1]
        const year = 1930 + Math.floor(random() * 78)
        const month = 1 + Math.floor(random() * 12)
        const day = 1 + Math.floor(random() * 28)
        rows.push({
          document: known?.document ?? `VAL${String(i).padStart(6, '0')}`,
          birthDate: known?.birthDate ?? `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
          areaId: neighbourhoods[(i - 1) % neighbourhoods.length]!.id,
        })
      }
      for (let start = 0; start < rows.length; start += 1000) {
        const chunk = rows.slice(start, start + 1000)
        const hashed = await Promise.all(chunk.map(async (r) => ({ ...r, hash: await documentHash(r.document, database) })))
        await database.write(async (trx) => {
          for (const r of hashed) {
            await trx.insertInto('census_records').values({ document_hash: r.hash, birth_date: r.birthDate, area_id: r.areaId, imported_at: stamp, updated_at: stamp }).execute()
          }
        })
        progress(chunk.length)
      }
      created += rows.length
    } else progress(census)

    const existing = new Set((await database.db.selectFrom('users').select('email').execute()).map((u) => u.email))
    const missing = demoUsers.filter((u) => !existing.has(u.email))
    if (missing.length) {
      const passwordHash = await hashPassword(DEMO_PASSWORD)
      const departments = new Map((await database.db.selectFrom('departments').select(['id', 'slug']).execute()).map((d) => [d.slug, d.id]))
      const censusIds = new Map<string, { id: number; areaId: number }>()
      for (const u of missing) {
        if (!u.census) continue
        const record = await database.db
          .selectFrom('census_records')
          .select(['id', 'area_id'])
          .where('document_hash', '=', await documentHash(u.census, database))
          .executeTakeFirst()
        if (record) censusIds.set(u.email, { id: record.id, areaId: record.area_id })
      }
      await database.write(async (trx) => {
        for (const u of missing) {
          const census = censusIds.get(u.email)
          const user = await trx
            .insertInto('users')
            .values({
              email: u.email,
              email_confirmed_at: stamp,
              display_name: u.name,
              password_hash: passwordHash,
              verification_level: census ? u.level : Math.min(u.level, 1),
              census_record_id: census?.id ?? null,
              home_area_id: census?.areaId ?? null,
              verified_at: census ? stamp : null,
              verified_by: null,
              locale: null,
              created_at: stamp,
              updated_at: stamp,
              deleted_at: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow()
          for (const r of u.roles) {
            await trx
              .insertInto('user_roles')
              .values({ user_id: user.id, role: r.role, department_id: r.department ? departments.get(r.department)! : null, granted_by: null, granted_at: stamp })
              .execute()
          }
        }
      })
      created += missing.length
    }
    progress(2)
    return { created }
  },
}
