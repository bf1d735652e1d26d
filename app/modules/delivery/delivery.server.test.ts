import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { makeUser, seededDatabase } from '../../../tests/support/fixtures'
import { fileReport } from '../reports/reports.server'
import { closeDeliveryConnections, sendDueDeliveries, setDeliveryMethod } from './delivery.server'

// A short answer time and retry wait, before anything reads the configuration.
vi.hoisted(() => {
  process.env.DELIVERY_SEND_TIMEOUT_MS = '400'
  process.env.DELIVERY_RETRY_MS = '60000'
})

/**
 * Issue 19: an Open311 POST to a body that answers too late must not file a second request when
 * it is retried. A real HTTP server on 127.0.0.1 plays a slow back office: it files each POST and
 * answers after the client has given up; it lists what it filed in requests.json.
 */

type Filed = { service_request_id: string; service_code: string; description: string }
let server: http.Server
let endpoint: string
const filed: Filed[] = []
let posts = 0
let gets = 0
let postDelayMs = 1000
let listStatus = 200
const db = () => database().db
let code = ''

beforeAll(async () => {
  await seededDatabase()
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (req.method === 'POST' && url.pathname === '/v2/requests.json') {
        posts++
        const form = new URLSearchParams(body)
        const request = { service_request_id: `SLOW-${filed.length + 1}`, service_code: form.get('service_code') ?? '', description: form.get('description') ?? '' }
        // Filed at once; the answer comes after the client stopped waiting.
        filed.push(request)
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ service_request_id: request.service_request_id }])), postDelayMs)
        return
      }
      if (req.method === 'GET' && url.pathname === '/v2/requests.json') {
        gets++
        if (listStatus !== 200) {
          res.writeHead(listStatus, { 'content-type': 'text/plain' }).end('Busy')
          return
        }
        const code = url.searchParams.get('service_code')
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(filed.filter((f) => !code || f.service_code === code)))
        return
      }
      res.writeHead(404).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`
})
afterAll(async () => {
  await closeDeliveryConnections()
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

async function queueFor(slug: string) {
  const dept = await db().selectFrom('departments').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()
  expect((await setDeliveryMethod(null, { departmentId: dept.id, method: 'open311', enabled: 'on', endpoint, apiKey: 'k', serviceCodes: '' })).kind).toBe('ok')
  // A new report at the seeded one's place (filing it queues its delivery; only it is due here).
  const place = await db().selectFrom('reports').select(['lat', 'lng']).orderBy('id').executeTakeFirstOrThrow()
  const user = await makeUser(1)
  const result = await fileReport(
    { categoryCode: 'pothole', title: 'Loose kerb stone', description: 'It wobbles.', lat: place.lat, lng: place.lng, anonymous: false, locale: 'en' },
    { kind: 'user', userId: user.id, name: `Person ${user.id}` },
  )
  if (result.kind !== 'filed') throw new Error(`not filed: ${result.kind}`)
  const report = await db().selectFrom('reports as r').innerJoin('report_categories as c', 'c.id', 'r.category_id').select(['r.id', 'c.code']).where('r.id', '=', result.id).executeTakeFirstOrThrow()
  code = report.code
  const at = new Date().toISOString()
  await database().write((trx) => trx.deleteFrom('report_deliveries').where('report_id', '!=', report.id).where('status', '!=', 'sent').execute())
  await database().write((trx) =>
    trx
      .insertInto('report_deliveries')
      .values({ report_id: report.id, department_id: dept.id, method: 'open311', status: 'pending', next_attempt_at: at, created_at: at })
      .onConflict((oc) => oc.column('report_id').doUpdateSet({ status: 'pending', next_attempt_at: at, attempts: 0, last_error: null, external_id: null }))
      .execute(),
  )
  return report.id
}
const delivery = (reportId: number) => db().selectFrom('report_deliveries').selectAll().where('report_id', '=', reportId).executeTakeFirstOrThrow()
const due = async (reportId: number) => {
  await database().write((trx) =>
    trx
      .updateTable('report_deliveries')
      .set({ next_attempt_at: new Date(0).toISOString() })
      .where('report_id', '=', reportId)
      .execute(),
  )
}

describe('Open311 sends that time out', () => {
  it('are looked for at the body before posting again: one request there, its id kept', async () => {
    const reportId = await queueFor('roads')
    expect(await sendDueDeliveries()).toEqual({ sent: 0, failed: 1 })
    let row = await delivery(reportId)
    expect(row.status).toBe('pending')
    expect(row.last_error).toMatch(/^No answer from/)
    expect(posts).toBe(1)
    // The body lists it now (it filed the POST it answered too late): the retry adopts its id.
    await due(reportId)
    expect(await sendDueDeliveries()).toEqual({ sent: 1, failed: 0 })
    row = await delivery(reportId)
    expect(row).toMatchObject({ status: 'sent', external_id: 'SLOW-1', last_error: null })
    expect(posts).toBe(1)
    expect(gets).toBe(1)
    expect(filed.filter((f) => f.description.includes(`/reports/${reportId}`))).toHaveLength(1)
  })

  it('are not posted again while the body cannot be asked, and are posted once it says the request is not there', async () => {
    filed.length = 0
    posts = 0
    gets = 0
    const reportId = await queueFor('roads')
    // The first POST is lost before it is filed: the server answers late and forgets it.
    postDelayMs = 1000
    expect((await sendDueDeliveries()).failed).toBe(1)
    filed.length = 0
    // The body's list answers 503: no second POST.
    listStatus = 503
    await due(reportId)
    expect(await sendDueDeliveries()).toEqual({ sent: 0, failed: 1 })
    expect(posts).toBe(1)
    expect((await delivery(reportId)).last_error).toMatch(/^No answer from .* looking for an earlier attempt: HTTP 503/)
    // It answers, without the request: posted again, now answered in time.
    listStatus = 200
    postDelayMs = 0
    await due(reportId)
    expect(await sendDueDeliveries()).toEqual({ sent: 1, failed: 0 })
    expect(posts).toBe(2)
    expect(await delivery(reportId)).toMatchObject({ status: 'sent', external_id: 'SLOW-1' })
  })

  it('a report whose link only starts like another’s is not mistaken for it', async () => {
    filed.length = 0
    posts = 0
    const reportId = await queueFor('roads')
    // The body has a request for report 1234…5 (a longer id with ours as its prefix) but not ours.
    filed.push({ service_request_id: 'OTHER', service_code: code, description: `Something\n\n${config().PUBLIC_URL}/reports/${reportId}5` })
    postDelayMs = 1000
    expect((await sendDueDeliveries()).failed).toBe(1)
    filed.splice(1)
    postDelayMs = 0
    await due(reportId)
    expect(await sendDueDeliveries()).toEqual({ sent: 1, failed: 0 })
    expect((await delivery(reportId)).external_id).not.toBe('OTHER')
    expect(posts).toBe(2)
  })
})
