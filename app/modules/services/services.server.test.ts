import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../../lib/db.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { areaPoint } from '../geo/areas.server'
import { categoriesServing, forgetRoutingRules, routeReport } from '../reports/department-routing.server'
import { issueApiKey } from '../open311/open311.server'
import { parseOptions } from './schema'
import {
  deleteCategory,
  deleteDepartment,
  deleteSimpleCategory,
  getCategory,
  listDepartments,
  listStates,
  routingMatrix,
  saveCategory,
  saveDepartment,
  saveQuestion,
  saveSimpleCategory,
  saveStateLabel,
  setRoute,
  testRoute,
} from './services.server'

let admin: { id: number }
const audits = (action: string) => database().db.selectFrom('audit_log').select(['action', 'actor_id', 'target_id', 'after']).where('action', '=', action).execute()

beforeAll(async () => {
  await seededDatabase()
  admin = await makeUser(3)
})

describe('departments', () => {
  it('creates one with a name per language and a contact, audited; refuses a bad or taken slug, a missing default name and a bad e-mail', async () => {
    const made = await saveDepartment(admin.id, { slug: 'housing', name_en: 'Housing', name_es: 'Vivienda', name_fr: 'Logement', email: 'housing@city.example', phone: '+34 900 1' })
    expect(made.ok).toBe(true)
    const d = (await listDepartments()).find((x) => x.slug === 'housing')!
    expect(d).toMatchObject({ name: { en: 'Housing', es: 'Vivienda', fr: 'Logement' }, email: 'housing@city.example', phone: '+34 900 1' })
    expect((await audits('department.create')).some((a) => a.target_id === d.id && a.actor_id === admin.id)).toBe(true)
    expect(await saveDepartment(admin.id, { slug: 'Bad Slug!', name_es: 'Sin inglés', email: 'not-an-email' })).toEqual({
      ok: false,
      status: 400,
      errors: { slug: ['services:errors.slugInvalid'], email: ['services:errors.emailInvalid'], name_en: ['services:errors.nameRequired'] },
    })
    expect(await saveDepartment(admin.id, { slug: 'roads', name_en: 'Another roads' })).toMatchObject({ ok: false, status: 409, errors: { slug: ['services:errors.slugTaken'] } })
  })

  it('refuses to delete a department in use and deletes an unused one', async () => {
    const roads = (await listDepartments()).find((d) => d.slug === 'roads')!
    const refused = await deleteDepartment(admin.id, roads.id)
    expect(refused).toMatchObject({ ok: false, status: 409, errors: { form: ['services:errors.departmentInUse'] } })
    const spare = await saveDepartment(admin.id, { slug: 'spare', name_en: 'Spare' })
    if (!spare.ok) throw new Error('not saved')
    expect(await deleteDepartment(admin.id, spare.id)).toEqual({ ok: true, id: spare.id })
    expect((await listDepartments()).some((d) => d.slug === 'spare')).toBe(false)
    expect((await audits('department.delete')).some((a) => a.target_id === spare.id)).toBe(true)
  })

  it('deleting a department has each owner forget it: Open311 its keys (city-wide now), reports its templates', async () => {
    const gone = await saveDepartment(admin.id, { slug: 'gone', name_en: 'Gone' })
    if (!gone.ok) throw new Error('not saved')
    const key = await issueApiKey(admin.id, { name: 'Gone key', departmentId: gone.id, mayUpdate: true })
    if (key.kind !== 'ok') throw new Error('no key')
    await database().write((trx) =>
      trx.insertInto('response_templates').values({ department_id: gone.id, title: 'Thanks', text: 'Thank you', auto_state: null, created_at: new Date().toISOString() }).execute(),
    )
    expect(await deleteDepartment(admin.id, gone.id)).toEqual({ ok: true, id: gone.id })
    const { db } = database()
    expect(await db.selectFrom('api_keys').select(['department_id', 'revoked_at']).where('id', '=', key.id).executeTakeFirstOrThrow()).toEqual({ department_id: null, revoked_at: null })
    expect(await db.selectFrom('response_templates').select('id').where('department_id', '=', gone.id).execute()).toEqual([])
  })
})

describe('categories, questions and routing', () => {
  it('creates a category with a question, routes it most-specific-first, and the tester and filing agree', async () => {
    const made = await saveCategory(admin.id, { code: 'graffiti', name_en: 'Graffiti', name_es: 'Pintadas', name_fr: 'Tags', group_en: 'Cleaning', colour: '#123456', position: '3', active: 'on' })
    if (!made.ok) throw new Error(JSON.stringify(made))
    const q = await saveQuestion(admin.id, made.id, {
      code: 'surface',
      datatype: 'singlevaluelist',
      required: 'on',
      description_en: 'On what?',
      description_es: '¿Sobre qué?',
      options: 'wall | Wall | Pared | Mur\nsign | Sign | Señal | Panneau',
    })
    expect(q.ok).toBe(true)
    const category = (await getCategory(made.id))!
    expect(category.questions[0]).toMatchObject({
      code: 'surface',
      required: true,
      options: [
        { key: 'wall', name: { en: 'Wall', es: 'Pared', fr: 'Mur' } },
        { key: 'sign', name: { en: 'Sign', es: 'Señal', fr: 'Panneau' } },
      ],
    })
    expect(await saveQuestion(admin.id, made.id, { code: 'kind', datatype: 'multivaluelist', description_en: 'Which?', options: '' })).toMatchObject({
      ok: false,
      errors: { options: ['services:errors.optionsRequired'] },
    })

    const departments = new Map((await listDepartments()).map((d) => [d.slug, d.id]))
    const matrix = await routingMatrix()
    const santRoc = matrix.areas.find((a) => a.name.includes('Sant Roc'))!
    const point = (await areaPoint('sant-roc'))!
    expect(await testRoute({ category: 'graffiti', point, areaId: null })).toMatchObject({ kind: 'notServedHere' })
    expect((await setRoute(admin.id, { categoryId: String(made.id), areaId: '', departmentId: String(departments.get('waste')) })).ok).toBe(true)
    expect((await setRoute(admin.id, { categoryId: String(made.id), areaId: String(santRoc.id), departmentId: String(departments.get('housing')) })).ok).toBe(true)
    const tested = await testRoute({ category: 'graffiti', point, areaId: null })
    expect(tested).toMatchObject({ kind: 'routed', department: { slug: 'housing' }, rule: { areaId: santRoc.id } })
    expect(await testRoute({ category: 'graffiti', point: { lat: 0, lng: 0 }, areaId: null })).toEqual({ kind: 'outsideCity' })
    forgetRoutingRules()
    expect(await routeReport('graffiti', point.lat, point.lng)).toMatchObject({ kind: 'routed', departmentId: departments.get('housing') })
    expect((await categoriesServing(point.lat, point.lng, 'es')).find((c) => c.code === 'graffiti')).toMatchObject({ name: 'Pintadas', group: 'Cleaning' })
    expect((await setRoute(admin.id, { categoryId: String(made.id), areaId: '999999', departmentId: '1' })).ok).toBe(false)
    // Removing the neighbourhood rule: the city-wide one decides again.
    await setRoute(admin.id, { categoryId: String(made.id), areaId: String(santRoc.id), departmentId: '' })
    expect(await testRoute({ category: 'graffiti', point, areaId: null })).toMatchObject({ kind: 'routed', department: { slug: 'waste' }, rule: { areaId: null } })
    expect((await audits('route.set')).length).toBeGreaterThanOrEqual(2)
    expect((await audits('route.delete')).length).toBe(1)
    expect(await deleteCategory(admin.id, made.id)).toMatchObject({ ok: true })
  })

  it('refuses a taken code and deleting a category that reports use', async () => {
    expect(await saveCategory(admin.id, { code: 'pothole', name_en: 'Again' })).toMatchObject({ ok: false, status: 409, errors: { code: ['services:errors.codeTaken'] } })
    const pothole = (await database().db.selectFrom('report_categories').select('id').where('code', '=', 'pothole').executeTakeFirstOrThrow()).id
    const used = await database().db.selectFrom('reports').select('id').where('category_id', '=', pothole).executeTakeFirst()
    if (used) expect(await deleteCategory(admin.id, pothole)).toMatchObject({ ok: false, status: 409 })
  })

  it('reads the options of a list question one per line and refuses broken lines', () => {
    expect(parseOptions('a | A | Á\n\nb | B')).toEqual({
      options: [
        { key: 'a', name: { en: 'A', es: 'Á' } },
        { key: 'b', name: { en: 'B' } },
      ],
      problem: null,
    })
    expect(parseOptions('a | A\na | again').problem).toBe('services:errors.optionKeyDuplicate')
    expect(parseOptions('a').problem).toBe('services:errors.optionNameMissing')
    expect(parseOptions('bad key | X').problem).toBe('services:errors.optionKeyInvalid')
  })
})

describe('state labels and proposal/petition categories', () => {
  it('renames a state per language (its kind stays) and back to the default', async () => {
    expect((await saveStateLabel(admin.id, { code: 'fixed', label_en: 'Repaired', label_es: 'Reparado' })).ok).toBe(true)
    expect((await listStates()).find((s) => s.code === 'fixed')).toMatchObject({ kind: 'fixed', label: { en: 'Repaired', es: 'Reparado' } })
    expect(await saveStateLabel(admin.id, { code: 'nope' })).toMatchObject({ ok: false, status: 404 })
    await saveStateLabel(admin.id, { code: 'fixed' })
    expect((await listStates()).find((s) => s.code === 'fixed')!.label).toEqual({})
    expect((await audits('state.label')).length).toBe(2)
  })

  it('adds, renames and deletes a petition category; refuses a proposal category in use', async () => {
    const made = await saveSimpleCategory(admin.id, 'petition', { code: 'housing', name_en: 'Housing', name_fr: 'Logement', position: '9' })
    if (!made.ok) throw new Error('not saved')
    expect((await saveSimpleCategory(admin.id, 'petition', { code: 'housing', name_en: 'Homes' }, made.id)).ok).toBe(true)
    expect(await saveSimpleCategory(admin.id, 'petition', { code: 'transport', name_en: 'Dup' })).toMatchObject({ ok: false, status: 409 })
    expect(await deleteSimpleCategory(admin.id, 'petition', made.id)).toMatchObject({ ok: true })
    const used = await database().db.selectFrom('proposals').select('category_id').where('category_id', 'is not', null).executeTakeFirst()
    if (used?.category_id) expect(await deleteSimpleCategory(admin.id, 'proposal', used.category_id)).toMatchObject({ ok: false, status: 409, errors: { form: ['services:errors.categoryInUse'] } })
    expect((await audits('petition_category.create')).length).toBe(1)
  })
})
