/**
 * `npx tsx tests/bench/render-cpu.ts --db PATH [--builds build/index.js,build/index-before.js] [--requests N] [--paths /a,/b] [--only council]`:
 * CPU time per rendered request, in process (Remix's request handler on a production build, no HTTP, no
 * other process), so that two builds can be compared on a busy machine: CPU time, unlike throughput, hardly
 * depends on what else runs. Each build is measured in its own child process, pages in turn, the builds
 * alternated three times; the median of the rounds is printed. The council pages are the council bench's
 * three: the roads staff member's first page and filtered page, and the administrator's first page (both
 * logged in once through a real server; RENDER_CPU_PRINT_COOKIES=1 prints the cookies, for a child run by
 * hand under `node --cpu-prof`). docs/performance.md records the figures.
 */
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { createRequire } from 'node:module'

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    builds: { type: 'string', default: 'build/index.js' },
    requests: { type: 'string', default: '150' },
    child: { type: 'string' },
    cookie: { type: 'string' },
    paths: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    'admin-cookie': { type: 'string' },
    only: { type: 'string' },
  },
})
const root = path.resolve(import.meta.dirname, '../..')
// --paths replaces the three pages with others read anonymously (e.g. issue 21's
// /processes/bench-budget,/results on a database with tests/bench/processes.bench.ts's rows).
// --only council keeps the pages whose name starts with /council (the council bench's three).
const pages: Array<{ name: string; path: string; staff?: boolean; admin?: boolean }> = (
  values.paths
    ? values.paths.split(',').map((p) => ({ name: p, path: p }))
    : [
        { name: '/', path: '/' },
        { name: '/proposals', path: '/proposals' },
        { name: '/council/reports', path: '/council/reports', staff: true },
        { name: '/council filtered', path: '/council/reports?status=all&priority=high&age=90&assignee=none&sort=priority', staff: true },
        { name: '/council admin', path: '/council/reports', admin: true },
      ]
).filter((p) => !values.only || p.name.startsWith(`/${values.only}`))

if (values.child) {
  // One build in this process.
  // Remix's runtime as the build resolves it: a build in another directory (a "before" build beside its
  // own node_modules, whose patched packages differ) runs with the runtime it was built with.
  const buildFile = path.resolve(root, values.child)
  const { createRequestHandler } = (await import(pathToFileURL(createRequire(buildFile).resolve('@remix-run/node')).href)) as typeof import('@remix-run/node')
  const build = await import(pathToFileURL(buildFile).href)
  const handle = createRequestHandler(build, 'production')
  const n = Number(values.requests)
  const out: Record<string, number> = {}
  for (const page of pages) {
    const request = () =>
      new Request(`http://127.0.0.1:3000${page.path}`, {
        headers: { accept: 'text/html', 'accept-language': 'en', ...(page.staff ? { cookie: values.cookie ?? '' } : page.admin ? { cookie: values['admin-cookie'] ?? '' } : {}) },
      })
    const once = async () => {
      const response = await handle(request(), { requestId: 'bench', cspNonce: 'bench' })
      if (response.status !== 200) throw new Error(`${page.path} answered ${response.status}`)
      await response.text()
    }
    for (let i = 0; i < 40; i++) await once()
    const before = process.cpuUsage()
    for (let i = 0; i < n; i++) await once()
    const used = process.cpuUsage(before)
    out[page.name] = (used.user + used.system) / 1000 / n
  }
  console.log(JSON.stringify(out))
  process.exit(0)
}

if (!values.db) throw new Error('--db PATH (a database with the demo city, 30,000 proposals and 100,000 reports: tests/bench/render-profile.ts makes one)')
// A session of the roads staff member: logged in once through a real server on the same database.
const { startPlaza } = await import('./lib')
const { login } = await import('./council.bench')
const server = await startPlaza({ DATABASE_PATH: values.db, WEB_CONCURRENCY: '1', BACKGROUND_JOBS: 'false' })
let cookie: string
let adminCookie: string
try {
  cookie = await login(server.url, 'roads@valmera.example')
  adminCookie = await login(server.url, 'admin@valmera.example')
  if (process.env.RENDER_CPU_PRINT_COOKIES) console.log(`cookies: --cookie '${cookie}' --admin-cookie '${adminCookie}'`)
} finally {
  await server.stop()
}
const builds = values.builds.split(',')
const rounds: Record<string, Array<Record<string, number>>> = {}
for (let round = 0; round < Number(values.rounds); round++) {
  for (const build of builds) {
    const output = execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(root, 'tests/bench/render-cpu.ts'),
        '--child',
        build,
        '--requests',
        values.requests,
        '--cookie',
        cookie,
        '--admin-cookie',
        adminCookie,
        ...(values.paths ? ['--paths', values.paths] : []),
        ...(values.only ? ['--only', values.only] : []),
      ],
      {
        cwd: root,
        env: { ...process.env, NODE_ENV: 'production', DATABASE_PATH: values.db, LOG_LEVEL: 'silent', BACKGROUND_JOBS: 'false' },
        encoding: 'utf8',
      },
    )
    ;(rounds[build] ??= []).push(JSON.parse(output.trim().split('\n').at(-1)!))
  }
}
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`CPU per rendered request (ms, median of ${values.rounds} rounds of ${values.requests}):`)
console.log(['page'.padEnd(18), ...builds.map((b) => b.padStart(24))].join(''))
for (const page of pages)
  console.log(
    [
      page.name.padEnd(18),
      ...builds.map((b) =>
        median(rounds[b]!.map((r) => r[page.name]!))
          .toFixed(2)
          .padStart(24),
      ),
    ].join(''),
  )
// On a loaded machine CPU per request drifts with the load: the ratio of builds within each round (run
// back to back) drifts less than either figure. The median of those ratios, first build over each other.
if (builds.length > 1) {
  console.log(`ratio to ${builds[0]} (median of the rounds' ratios; > 1 means less CPU):`)
  for (const page of pages)
    console.log(
      [
        page.name.padEnd(18),
        ...builds.slice(1).map((b) =>
          median(rounds[b]!.map((r, i) => rounds[builds[0]!]![i]![page.name]! / r[page.name]!))
            .toFixed(3)
            .padStart(24),
        ),
      ].join(''),
    )
}
