/**
 * `npx tsx tests/bench/render-pages.ts --db PATH --build build/index.js --out DIR --db PATH [--cookie C] [--paths /a,/b]`:
 * writes the HTML each page renders on one production build (Remix's request handler in process), one
 * file a page, so that two builds' pages can be compared byte for byte (`diff -r`). Build hashes differ
 * between builds; everything else should not, unless a change means it to.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'

const { values } = parseArgs({
  options: { build: { type: 'string', default: 'build/index.js' }, out: { type: 'string' }, cookie: { type: 'string' }, paths: { type: 'string' }, db: { type: 'string' } },
})
if (!values.out) throw new Error('--out DIR')
if (!values.db) throw new Error('--db PATH (tests/bench/render-profile.ts makes one)')
process.env.DATABASE_PATH = values.db
process.env.LOG_LEVEL = 'silent'
process.env.BACKGROUND_JOBS = 'false'
let cookie = values.cookie
if (!cookie) {
  // The roads staff member's session, as render-cpu.ts makes it: logged in once through a real server.
  const { startPlaza } = await import('./lib')
  const { login } = await import('./council.bench')
  const server = await startPlaza({ DATABASE_PATH: values.db, WEB_CONCURRENCY: '1', BACKGROUND_JOBS: 'false' })
  try {
    cookie = await login(server.url, 'roads@valmera.example')
  } finally {
    await server.stop()
  }
  console.log(`cookie: ${cookie}`)
}
const root = path.resolve(import.meta.dirname, '../..')
const { createRequestHandler } = await import('@remix-run/node')
const build = await import(pathToFileURL(path.resolve(root, values.build)).href)
const handle = createRequestHandler(build, 'production')
const paths = (
  values.paths ??
  '/,/proposals,/proposals?page=2,/proposals?lng=es,/proposals?sort=newest&state=all,/council/reports,/council/reports?page=3,/council/reports?lng=fr,/council/reports?status=all&sort=oldest'
).split(',')
fs.mkdirSync(values.out, { recursive: true })
for (const p of paths) {
  for (const who of ['anon', 'staff']) {
    const response = await handle(new Request(`http://127.0.0.1:3000${p}`, { headers: { accept: 'text/html', 'accept-language': 'en', ...(who === 'staff' ? { cookie } : {}) } }), {
      requestId: 'bench',
      cspNonce: 'bench',
    })
    const text = await response.text()
    fs.writeFileSync(path.join(values.out, `${who}${p.replace(/[^a-z0-9]+/gi, '_')}.html`), `${response.status}\n${text}`)
  }
}
process.exit(0)
