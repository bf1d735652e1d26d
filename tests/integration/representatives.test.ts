import sharp from 'sharp'
import exifr from 'exifr'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPlaza, type RunningPlaza } from '../support/server'
import { Visitor } from '../support/visitor'
import { sqlOf, type TestSql } from '../support/sql'

/**
 * Representatives over real HTTP (issue 9): the public list and "find mine" (point, area, border,
 * outside the city), a profile with a worked response-rate example, photos without metadata, the
 * administration (form errors next to fields with values kept, bounce marks, end of term), the CSV
 * import (dry run, apply, errors with line and column, too large), and who is refused.
 */

let plaza: RunningPlaza
let sql: TestSql
beforeAll(async () => {
  plaza = await startPlaza({ RATE_LIMIT_WRITE: 'off', BACKGROUND_JOBS: 'false' })
  sql = sqlOf(plaza)
})
afterAll(async () => {
  await sql?.close()
  await plaza?.stop()
})

const PASSWORD = 'valmera-demo-2026'
const query = <T>(text: string, ...params: unknown[]) => sql.all<T>(text, ...params)
const one = async <T>(text: string, ...params: unknown[]) => (await query<T>(text, ...params))[0]!
/** An insert's new id (`returning id`, on either engine). */
const insertId = async (text: string, ...params: unknown[]) => (await one<{ id: number }>(`${text} returning id`, ...params)).id
const today = () => new Date().toISOString().slice(0, 10)
async function as(who: string) {
  const v = new Visitor(plaza.url, { 'accept-language': 'en' })
  if (who !== 'anonymous') expect((await v.post('/login', { email: `${who}@valmera.example`, password: PASSWORD })).status).toBe(302)
  return v
}
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
function errorNextTo(html: string, name: string): string | null {
  const id = `field-${name}`
  const p = new RegExp(`<p class="field-error" id="${id}-error">([^<]*)</p>`).exec(html)
  return p ? decode(p[1]!) : null
}

type Geometry = { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] }
const rings = (g: Geometry) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).flat()

describe('the public pages', () => {
  it('lists every current representative by level and area, and not the former one', async () => {
    const res = await (await as('anonymous')).get('/representatives')
    expect(res.status).toBe(200)
    const html = await res.text()
    const former = await one<{ id: number; name: string }>('select id, name from representatives where active_until < ?', today())
    const mayor = await one<{ id: number; name: string }>("select id, name from representatives where level = 'mayor'")
    expect(html).toContain(`data-testid="representative-${mayor.id}"`)
    expect(html).not.toContain(`data-testid="representative-${former.id}"`)
    expect(html).toContain('District councillors')
    expect(html).not.toContain('@council.valmera.example')
  })

  it('finds the representatives of an area (a whole district: its councillors and the mayor)', async () => {
    const district = await one<{ id: number; slug: string }>("select id, slug from areas where level = 'district' order by id limit 1")
    const html = await (await (await as('anonymous')).get(`/representatives?area=${district.slug}`)).text()
    const found = html.slice(html.indexOf('data-testid="found"'), html.indexOf('<form', html.indexOf('data-testid="found"')))
    expect(found).toContain(`data-testid="group-district-${district.slug}"`)
    expect(found).toContain('data-testid="group-mayor-')
    expect(found).not.toContain('data-testid="group-neighbourhood-')
  })

  it('finds one district for a point on a district border, and says so for a point outside the city', async () => {
    const districts = await query<{ slug: string; geometry: string }>("select slug, geometry from areas where level = 'district'")
    const edges = new Map<string, string>()
    let border: { lat: number; lng: number; sides: string[] } | null = null
    for (const d of districts) {
      for (const ring of rings(JSON.parse(d.geometry) as Geometry)) {
        for (let i = 0; i + 1 < ring.length && !border; i++) {
          const key = [ring[i]!, ring[i + 1]!]
            .map((p) => p.join(','))
            .sort()
            .join('|')
          const other = edges.get(key)
          if (other && other !== d.slug) border = { lng: (ring[i]![0]! + ring[i + 1]![0]!) / 2, lat: (ring[i]![1]! + ring[i + 1]![1]!) / 2, sides: [other, d.slug] }
          else edges.set(key, d.slug)
        }
      }
    }
    expect(border).not.toBeNull()
    const html = await (await (await as('anonymous')).get(`/representatives?lat=${border!.lat}&lng=${border!.lng}`)).text()
    const found = html.slice(html.indexOf('data-testid="found"'), html.indexOf('<form', html.indexOf('data-testid="found"')))
    const districtGroups = [...found.matchAll(/data-testid="group-district-([a-z0-9-]+)"/g)].map((m) => m[1])
    expect(districtGroups).toHaveLength(1)
    expect(border!.sides).toContain(districtGroups[0])

    const outside = await (await as('anonymous')).get('/representatives?lat=40&lng=-1.52')
    expect(outside.status).toBe(400)
    const text = await outside.text()
    expect(text).toContain('This place is outside')
    expect(text).not.toContain('data-testid="found"')
    expect((await (await as('anonymous')).get('/representatives?area=atlantis')).status).toBe(400)
    expect((await (await as('anonymous')).get('/representatives?lat=abc&lng=1')).status).toBe(400)
  })

  it('shows the worked example on the profile: 8 of 10 replied, interval 49%–94%, each answer counted', async () => {
    const rep = await one<{ id: number; name: string }>("select id, name from representatives where level = 'neighbourhood' and email_bounced_at is null and active_until is null order by id limit 1")
    const answers = ['yes', 'yes', 'yes', 'yes', 'yes', 'yes', 'unsatisfactory', 'unsatisfactory', 'no', 'not_yet']
    for (const [i, answer] of answers.entries()) {
      const letter = await insertId(
        "insert into letters (token_hash, status, sender_name, sender_email, sender_key, sender_address, subject, body, created_at) values (?, 'confirmed', 'R', 'r@example.org', 'r@example.org', '1 Main St', 'S', 'B', ?)",
        `rates-${i}`,
        new Date().toISOString(),
      )
      await sql.run("insert into letter_deliveries (letter_id, representative_id, status, answer, answered_at) values (?, ?, 'sent', ?, ?)", letter, rep.id, answer, new Date().toISOString())
    }
    // The mayor: 2 answers, too few for a rate.
    const mayor = await one<{ id: number }>("select id from representatives where level = 'mayor'")
    for (const answer of ['yes', 'no']) {
      const letter = await insertId(
        "insert into letters (token_hash, status, sender_name, sender_email, sender_key, sender_address, subject, body, created_at) values (?, 'confirmed', 'R', 'r@example.org', 'r@example.org', '1 Main St', 'S', 'B', ?)",
        `mayor-${answer}`,
        new Date().toISOString(),
      )
      await sql.run("insert into letter_deliveries (letter_id, representative_id, status, answer, answered_at) values (?, ?, 'sent', ?, ?)", letter, mayor.id, answer, new Date().toISOString())
    }
    const html = decode(await (await (await as('anonymous')).get(`/representatives/${rep.id}`)).text())
    expect(html).toContain('80% replied')
    expect(html).toContain('95% interval 49%–94%')
    expect(html).toContain('10 answers')
    expect(html).toMatch(/data-testid="answers-yes">6</)
    expect(html).toMatch(/data-testid="answers-unsatisfactory">2</)
    expect(html).toMatch(/data-testid="answers-no">1</)
    expect(html).toMatch(/data-testid="answers-not_yet">1</)
    expect(html).toContain(`/letters/new?representative=${rep.id}`)
    // Logged in: anonymous readers may be served the list cached a few seconds ago.
    const list = decode(await (await (await as('citizen')).get('/representatives')).text()).replace(/<!-- -->/g, '')
    expect(list).toContain('80% replied')
    // The demo may hold answers of its own: count the mayor's from the database.
    const mayorAnswers = (await one<{ n: number }>('select count(*) as n from letter_deliveries where representative_id = ? and answer is not null', mayor.id)).n
    const card = list.slice(list.indexOf(`data-testid="representative-${mayor.id}"`), list.indexOf('</li>', list.indexOf(`data-testid="representative-${mayor.id}"`)))
    if (mayorAnswers < 5) expect(card).toContain(`Too few answers to publish a rate · ${mayorAnswers} answers`)
    else expect(card).toContain('% replied')
  })

  it('shows a former representative as former, without "write to them"; 404 for unknown ids', async () => {
    const former = await one<{ id: number }>('select id from representatives where active_until < ?', today())
    const html = await (await (await as('anonymous')).get(`/representatives/${former.id}`)).text()
    expect(html).toContain('data-testid="former"')
    expect(html).not.toContain(`/letters/new?representative=${former.id}`)
    expect((await (await as('anonymous')).get('/representatives/999999')).status).toBe(404)
    expect((await (await as('anonymous')).get('/representatives/abc')).status).toBe(404)
  })

  it('serves photos publicly, as JPEG without metadata; 404 without one', async () => {
    const withPhoto = await one<{ id: number }>('select id from representatives where photo is not null limit 1')
    const res = await (await as('anonymous')).get(`/representatives/photos/${withPhoto.id}/thumb.jpg`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/jpeg')
    expect(res.headers.get('cache-control')).toContain('public')
    const meta = await sharp(Buffer.from(await res.arrayBuffer())).metadata()
    expect(meta.width).toBe(96)
    const none = await one<{ id: number }>('select id from representatives where photo is null limit 1')
    expect((await (await as('anonymous')).get(`/representatives/photos/${none.id}/photo.jpg`)).status).toBe(404)
    expect((await (await as('anonymous')).get(`/representatives/photos/${withPhoto.id}/huge.jpg`)).status).toBe(404)
  })
})

describe('administration', () => {
  it('refuses citizens, staff and moderators, and sends anonymous visitors to log in', async () => {
    for (const path of ['/admin/representatives', '/admin/representatives/new', '/admin/representatives/import', '/admin/representatives/levels', '/admin/representatives/1']) {
      const anonymous = await (await as('anonymous')).get(path)
      expect(anonymous.status, path).toBe(302)
      expect(anonymous.headers.get('location')).toContain('/login')
      for (const who of ['citizen', 'roads', 'moderator']) expect((await (await as(who)).get(path)).status, `${who} ${path}`).toBe(403)
    }
    expect((await (await as('citizen')).post('/admin/representatives/new', { name: 'X' })).status).toBe(403)
  })

  it('shows each error next to its field and keeps what was typed; then creates, audits, filters', async () => {
    const admin = await as('admin')
    const bad = await admin.post('/admin/representatives/new', {
      intent: 'save',
      name: 'Queralt Sala',
      role_en: '',
      role_es: ' ',
      level: 'neighbourhood',
      area: 'ribera-nord',
      email: 'nope',
      party: 'Moviment Lume',
      activeFrom: '2024-05-01',
      activeUntil: '2024-04-01',
    })
    expect(bad.status).toBe(400)
    const html = await bad.text()
    expect(errorNextTo(html, 'role_en')).toBe('Enter the role.')
    expect(errorNextTo(html, 'email')).toBe('Enter a valid e-mail address, like name@example.org.')
    expect(errorNextTo(html, 'area')).toBe('This level represents neighbourhoods: choose a neighbourhood.')
    expect(errorNextTo(html, 'activeUntil')).toBe('The end of the term must not come before its start.')
    expect(html).toContain('value="Queralt Sala"')
    expect(html).toContain('value="Moviment Lume"')

    const created = await admin.post('/admin/representatives/new', {
      intent: 'save',
      name: 'Queralt Sala',
      role_en: 'Neighbourhood councillor',
      role_es: 'Concejala de barrio',
      role_fr: '',
      level: 'neighbourhood',
      area: 'el-molinar',
      email: 'queralt.sala@council.valmera.example',
      party: 'Moviment Lume',
      activeFrom: '2024-05-01',
      activeUntil: '',
    })
    expect(created.status).toBe(302)
    const id = Number(/\/admin\/representatives\/(\d+)\?done=created/.exec(created.headers.get('location') ?? '')![1])
    expect((await one<{ action: string }>("select action from audit_log where target_kind = 'representative' and target_id = ? order by id", id)).action).toBe('representative.create')
    // The role per language; French, left empty, falls back to the default language.
    expect(JSON.parse((await one<{ role: string }>('select role from representatives where id = ?', id)).role)).toEqual({ en: 'Neighbourhood councillor', es: 'Concejala de barrio' })
    const inSpanish = new Visitor(plaza.url, { 'accept-language': 'es' })
    expect(await (await inSpanish.get(`/representatives/${id}`)).text()).toContain('Concejala de barrio')
    const editForm = await (await admin.get(`/admin/representatives/${id}`)).text()
    expect(editForm).toContain('value="Concejala de barrio"')
    const list = await (await admin.get('/admin/representatives?area=el-molinar&level=neighbourhood')).text()
    expect(list).toContain(`data-testid="row-${id}"`)
    expect(list).toContain('queralt.sala@council.valmera.example')

    // Bounce mark and clearing, then the end of the term.
    expect((await admin.post(`/admin/representatives/${id}`, { intent: 'bounce', note: '550 5.1.1 unknown user' })).status).toBe(302)
    expect((await one<{ bounce_note: string }>('select bounce_note from representatives where id = ?', id)).bounce_note).toBe('550 5.1.1 unknown user')
    expect(await (await admin.get('/admin/representatives?bounced=yes')).text()).toContain(`data-testid="row-${id}"`)
    expect((await admin.post(`/admin/representatives/${id}`, { intent: 'clearBounce' })).status).toBe(302)
    expect((await one<{ email_bounced_at: string | null }>('select email_bounced_at from representatives where id = ?', id)).email_bounced_at).toBeNull()
    expect((await admin.post(`/admin/representatives/${id}`, { intent: 'deactivate' })).status).toBe(302)
    expect(await (await admin.get(`/representatives/${id}`)).text()).toContain('data-testid="former"')
    const actions = (await query<{ action: string }>("select action from audit_log where target_kind = 'representative' and target_id = ? order by id", id)).map((r) => r.action)
    expect(actions).toEqual(['representative.create', 'representative.bounce', 'representative.bounce_clear', 'representative.deactivate'])
  })

  it('uploads a photo: EXIF in, none out; a non-image is an error next to the field', async () => {
    const admin = await as('admin')
    const rep = await one<{ id: number; name: string; role: string; level: string; email: string; slug: string }>(
      "select r.id, r.name, r.role, r.level, r.email, a.slug from representatives r join areas a on a.id = r.area_id where r.level = 'district' and r.photo is null limit 1",
    )
    const jpeg = await sharp({ create: { width: 900, height: 1200, channels: 3, background: { r: 200, g: 80, b: 40 } } })
      .jpeg()
      .withExif({ IFD0: { Make: 'PlazaPhone', Copyright: 'Someone' } })
      .toBuffer()
    const form = () => {
      const f = new FormData()
      const role = JSON.parse(rep.role) as Record<string, string>
      for (const [k, v] of Object.entries({
        intent: 'save',
        name: rep.name,
        role_en: role.en ?? '',
        role_es: role.es ?? '',
        role_fr: role.fr ?? '',
        level: rep.level,
        area: rep.slug,
        email: rep.email,
        party: '',
        activeFrom: '',
        activeUntil: '',
      }))
        f.set(k, v)
      return f
    }
    const bad = form()
    bad.set('photo', new Blob([Buffer.from('not an image at all')], { type: 'image/jpeg' }), 'x.jpg')
    const refused = await admin.post(`/admin/representatives/${rep.id}`, bad)
    expect(refused.status).toBe(400)
    expect(errorNextTo(await refused.text(), 'photo')).toBeTruthy()
    const good = form()
    good.set('photo', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'portrait.jpg')
    expect((await admin.post(`/admin/representatives/${rep.id}`, good)).status).toBe(302)
    const stored = await one<{ photo: Buffer; photo_thumb: Buffer }>('select photo, photo_thumb from representatives where id = ?', rep.id)
    for (const [buffer, side] of [
      [stored.photo, 400],
      [stored.photo_thumb, 96],
    ] as const) {
      const meta = await sharp(buffer).metadata()
      expect(Math.max(meta.width!, meta.height!)).toBe(side)
      expect(meta.exif).toBeUndefined()
      expect(await exifr.parse(buffer)).toBeUndefined()
    }
  })

  it('imports CSV: a dry run with line numbers and columns, "only if no errors", then applies', async () => {
    const admin = await as('admin')
    const template = await admin.get('/admin/representatives/template.csv')
    expect(template.headers.get('content-type')).toContain('text/csv')
    expect((await template.text()).split('\r\n')[0]).toBe('name,role_en,role_es,role_fr,level,area,party,email,active_from,active_until')
    const existing = await one<{ name: string; role: string; email: string; slug: string }>(
      "select r.name, r.role, r.email, a.slug from representatives r join areas a on a.id = r.area_id where r.level = 'district' and r.active_until is null order by r.id limit 1",
    )
    const role = JSON.parse(existing.role) as Record<string, string>
    const csv = [
      'name;role_en;role_es;role_fr;level;area;party;email;active_from;active_until',
      `${existing.name};${role.en ?? ''};${role.es ?? ''};${role.fr ?? ''};district;${existing.slug};Nou Partit;${existing.email};2023-06-17;`,
      'Nil Roure;Neighbourhood councillor;Concejal de barrio;Conseiller de quartier;neighbourhood;el-molinar;;nil.roure@council.valmera.example;;',
      '',
      'Bad Row;;;;neighbourhood;ribera-nord;;not-an-email;2024-13-01;',
    ].join('\n')
    const send = (intent: string, onlyIfNoErrors: boolean, body = csv) => {
      const f = new FormData()
      f.set('intent', intent)
      if (onlyIfNoErrors) f.set('onlyIfNoErrors', 'on')
      f.set('file', new Blob([body], { type: 'text/csv' }), 'reps.csv')
      return admin.post('/admin/representatives/import', f)
    }
    const dry = decode(await (await send('check', true)).text())
    expect(dry).toContain('0 to add'.replace('0', '1'))
    expect(dry).toContain('1 to update')
    expect(dry).toContain('1 with errors')
    const line5 = dry.slice(dry.indexOf('data-testid="line-5"'), dry.indexOf('</tr>', dry.indexOf('data-testid="line-5"')))
    expect(line5).toContain('Column email: Enter a valid e-mail address')
    expect(line5).toContain('Column active_from: Enter a date as YYYY-MM-DD.')
    expect(line5).toContain('Column area: This level represents neighbourhoods')
    expect(line5).toContain('Column role_en: Enter the role.')
    expect((await one<{ n: number }>("select count(*) as n from representatives where email = 'nil.roure@council.valmera.example'")).n).toBe(0)

    expect(decode(await (await send('apply', true)).text())).toContain('Nothing was imported')
    expect((await one<{ n: number }>("select count(*) as n from representatives where email = 'nil.roure@council.valmera.example'")).n).toBe(0)

    expect(decode(await (await send('apply', false)).text())).toContain('Imported: 1 added, 1 updated.')
    expect((await one<{ n: number }>("select count(*) as n from representatives where email = 'nil.roure@council.valmera.example'")).n).toBe(1)
    expect(JSON.parse((await one<{ role: string }>("select role from representatives where email = 'nil.roure@council.valmera.example'")).role)).toEqual({
      en: 'Neighbourhood councillor',
      es: 'Concejal de barrio',
      fr: 'Conseiller de quartier',
    })
    expect((await one<{ party: string }>('select party from representatives where email = ?', existing.email)).party).toBe('Nou Partit')
    expect((await one<{ n: number }>("select count(*) as n from audit_log where action = 'representative.import'")).n).toBe(1)

    const huge = await send('check', false, `name,role,level,area,party,email,active_from,active_until\n${'x,y,z,w,v,u,,\n'.repeat(200_000)}`)
    expect(huge.status).toBe(413)
    expect(decode(await huge.text())).toContain('larger than 2 MB')
    const many = await send('check', false, `name,role,level,area,party,email,active_from,active_until\n${'a,b,c,d,e,f,,\n'.repeat(5001)}`)
    expect(many.status).toBe(400)
    expect(decode(await many.text())).toContain('more than 5000 rows')
    const noRole = await send('check', false, 'name,level,area,email\nA,B,C,d@example.org\n')
    expect(decode(await noRole.text())).toContain('Missing columns: role_en')
    const unknown = await send('check', false, 'name,role,lvl\nA,B,C\n')
    expect(decode(await unknown.text())).toContain('Unknown columns: lvl')
  })

  it('never answers a 500 to odd form input (fuzz)', async () => {
    const admin = await as('admin')
    const rep = await one<{ id: number }>('select id from representatives limit 1')
    const nasty = ['', ' ', '\u0000', 'a'.repeat(5000), '<script>x</script>', '../../etc', '9'.repeat(30), '-1', '2024-02-30', '💥', "'; drop table representatives; --"]
    for (let i = 0; i < 40; i++) {
      const pick = () => nasty[Math.floor(Math.random() * nasty.length)]!
      const fields = {
        intent: ['save', 'bounce', 'clearBounce', 'other'][i % 4]!,
        name: pick(),
        role: pick(),
        level: pick(),
        area: pick(),
        party: pick(),
        email: pick(),
        activeFrom: pick(),
        activeUntil: pick(),
        note: pick(),
      }
      for (const path of ['/admin/representatives/new', `/admin/representatives/${rep.id}`]) {
        const res = await admin.post(path, fields)
        expect(res.status, `${path} ${JSON.stringify(fields).slice(0, 200)}`).toBeLessThan(500)
      }
      const levels = await admin.post('/admin/representatives/levels', {
        code: pick(),
        nameEn: pick(),
        nameEs: pick(),
        nameFr: pick(),
        areaLevel: pick(),
        position: pick(),
        existing: i % 3 ? '' : pick(),
        intent: i % 5 ? 'save' : 'delete',
      })
      expect(levels.status).toBeLessThan(500)
      const find = await admin.get(`/representatives?lat=${encodeURIComponent(pick())}&lng=${encodeURIComponent(pick())}&area=${encodeURIComponent(pick())}`)
      expect(find.status).toBeLessThan(500)
    }
    expect((await one<{ n: number }>('select count(*) as n from representatives')).n).toBeGreaterThan(0)
  })
})
