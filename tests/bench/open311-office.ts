import http from 'node:http'
import SQLite from 'better-sqlite3'

/**
 * A council's back office for the delivery bench (issue 19): a small GeoReport v2 server of its own
 * on 127.0.0.1, as a council's works-management system would run, so the bench measures Plaza's
 * sending and polling rather than a second Plaza's filing. It is a real server: each request is
 * kept in its SQLite file (WAL, synchronous=FULL: what it answered with an id is on disk), requests
 * arriving in the same event-loop turn committed together (group commit, as any database server
 * does).
 *
 * - POST requests.json (form-encoded, `api_key` checked) → `[{service_request_id}]`;
 * - GET requests.json?service_code=&start_date=&end_date=&page=&page_size= (newest first, ≤ 1,000);
 * - GET servicerequestupdates.json?start_date=&end_date= (oldest first, ≤ 1,000, whole seconds,
 *   start inclusive as Plaza's own server).
 *
 * Run: node --import tsx tests/bench/open311-office.ts DB_PATH API_KEY → prints `listening PORT`.
 */

export const OFFICE_SCHEMA = `
  create table if not exists requests (id integer primary key, service_code text not null, description text not null,
    lat real not null, lng real not null, email text, attributes text not null, requested_at text not null);
  create index if not exists requests_by_code on requests (service_code, requested_at);
  create table if not exists updates (id integer primary key, request_id integer not null, status text not null,
    description text not null, updated_at text not null);
  create index if not exists updates_by_time on updates (updated_at, id);`

const w3c = (iso: string) => `${iso.slice(0, 19)}+00:00`

function main(dbPath: string, apiKey: string) {
  const db = new SQLite(dbPath)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.exec(OFFICE_SCHEMA)
  const insert = db.prepare('insert into requests (service_code, description, lat, lng, email, attributes, requested_at) values (?, ?, ?, ?, ?, ?, ?)')
  const listRequests = db.prepare(
    'select id, service_code, description, lat, lng, requested_at from requests where service_code = ? and requested_at >= ? and requested_at <= ? order by id desc limit ? offset ?',
  )
  const listUpdates = db.prepare('select u.id, u.request_id, u.status, u.description, u.updated_at from updates u where u.updated_at >= ? and u.updated_at <= ? order by u.updated_at, u.id limit 1000')

  // Group commit: the POSTs of one event-loop turn are inserted in one transaction, then answered.
  let queue: Array<{ values: unknown[]; answer: (id: number) => void }> = []
  const commit = db.transaction((items: typeof queue) => items.map((item) => Number(insert.run(...item.values).lastInsertRowid)))
  const flush = () => {
    const items = queue
    queue = []
    const ids = commit(items)
    items.forEach((item, i) => item.answer(ids[i]!))
  }

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  const error = (res: http.ServerResponse, status: number, description: string) => json(res, status, [{ code: status, description }])

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const q = req.method === 'POST' ? new URLSearchParams(Buffer.concat(chunks).toString()) : url.searchParams
      if (req.method === 'POST' && url.pathname === '/open311/v2/requests.json') {
        if (q.get('api_key') !== apiKey) return error(res, 403, 'api_key is not valid')
        const lat = Number(q.get('lat'))
        const lng = Number(q.get('long'))
        const code = q.get('service_code')
        if (!code || !Number.isFinite(lat) || !Number.isFinite(lng)) return error(res, 400, 'service_code, lat and long are required')
        const attributes: Record<string, string> = {}
        for (const [k, v] of q) if (k.startsWith('attribute[')) attributes[k.slice(10, -1)] = v
        queue.push({
          values: [code, q.get('description') ?? '', lat, lng, q.get('email'), JSON.stringify(attributes), new Date().toISOString()],
          answer: (id) => json(res, 201, [{ service_request_id: `BO-${id}` }]),
        })
        if (queue.length === 1) setImmediate(flush)
        return
      }
      if (req.method !== 'GET') return error(res, 405, 'method not allowed')
      const start = q.get('start_date') ? new Date(q.get('start_date')!).toISOString() : new Date(Date.now() - 90 * 86_400_000).toISOString()
      const end = q.get('end_date') ? new Date(q.get('end_date')!).toISOString() : new Date(Date.now() + 60_000).toISOString()
      if (url.pathname === '/open311/v2/requests.json') {
        const size = Math.min(1000, Number(q.get('page_size') ?? 1000) || 1000)
        const page = Math.max(1, Number(q.get('page') ?? 1) || 1)
        const rows = listRequests.all(q.get('service_code') ?? '', start, end, size, (page - 1) * size) as Array<Record<string, string | number>>
        return json(
          res,
          200,
          rows.map((r) => ({
            service_request_id: `BO-${r.id}`,
            status: 'open',
            service_code: r.service_code,
            description: r.description,
            lat: r.lat,
            long: r.lng,
            requested_datetime: w3c(String(r.requested_at)),
          })),
        )
      }
      if (url.pathname === '/open311/v2/servicerequestupdates.json') {
        // Whole seconds, as GeoReport datetimes usually are: the start is the second it names.
        const rows = listUpdates.all(`${start.slice(0, 19)}`, end) as Array<Record<string, string | number>>
        return json(
          res,
          200,
          rows.map((u) => ({
            update_id: `U-${u.id}`,
            service_request_id: `BO-${u.request_id}`,
            status: u.status,
            description: u.description,
            updated_datetime: w3c(String(u.updated_at)),
            media_url: '',
          })),
        )
      }
      return error(res, 404, 'not found')
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`))
  const stop = () => server.close(() => (db.close(), process.exit(0)))
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

if (process.argv[1]?.endsWith('open311-office.ts')) main(process.argv[2]!, process.argv[3]!)
