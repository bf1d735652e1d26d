import lighthouse from 'lighthouse'
import * as chromeLauncher from 'chrome-launcher'
import { startPlaza, target, type Verdict } from './lib'

/**
 * Citizens on phones (issue 18): Lighthouse 12.2.3 (pinned: later versions need Node 22) drives
 * Debian's Chromium as a mid-range phone — its default mobile emulation, simulated 1.6 Mbit/s,
 * 150 ms round trips and a CPU 4× slower — on the pages people open most. Prints, per page, the
 * bytes transferred, the JavaScript among them, first contentful paint, time to interactive (for
 * /map: when the map accepts a tap), total blocking time, and the performance and accessibility
 * scores. Targets (the issue): home ≤ 100 KB and FCP ≤ 1.5 s; the map usable ≤ 3 s; performance
 * ≥ 90 and accessibility 100 on every page.
 */

interface Row {
  path: string
  kb: number
  jsKb: number
  fcp: number
  tti: number
  tbt: number
  performance: number
  accessibility: number
}

type Audit = { numericValue?: number; details?: { items?: Array<{ resourceType?: string; transferSize?: number }> } }

export async function benchPhone(): Promise<Verdict[]> {
  // BENCH_PHONE_URL measures a Plaza already running (e.g. an older build, for a before/after figure).
  const plaza = process.env.BENCH_PHONE_URL ? { url: process.env.BENCH_PHONE_URL, stop: async () => {} } : await startPlaza()
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  })
  const rows: Row[] = []
  try {
    const petitions = await (await fetch(`${plaza.url}/petitions`)).text()
    const petition = petitions.match(/href="(\/petitions\/\d+)"/)?.[1] ?? '/petitions'
    for (const path of ['/', '/reports/new', petition, '/proposals', '/map']) {
      const result = await lighthouse(`${plaza.url}${path}`, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility'] })
      if (!result) throw new Error(`Lighthouse gave no result for ${path}`)
      const { lhr } = result
      const audit = (id: string) => lhr.audits[id] as Audit | undefined
      const resources = audit('resource-summary')?.details?.items ?? []
      const bytes = (type: string) => resources.find((r) => r.resourceType === type)?.transferSize ?? 0
      rows.push({
        path,
        kb: bytes('total') / 1024,
        jsKb: bytes('script') / 1024,
        fcp: (audit('first-contentful-paint')?.numericValue ?? NaN) / 1000,
        tti: (audit('interactive')?.numericValue ?? NaN) / 1000,
        tbt: audit('total-blocking-time')?.numericValue ?? NaN,
        performance: Math.round((lhr.categories.performance?.score ?? 0) * 100),
        accessibility: Math.round((lhr.categories.accessibility?.score ?? 0) * 100),
      })
    }
  } finally {
    await chrome.kill()
    await plaza.stop()
  }
  console.log('\nphone (Lighthouse 12.2.3, mobile emulation, simulated slow 4G and 4× CPU)')
  console.log('  page                 transferred   JS        FCP     TTI     TBT      perf  a11y')
  for (const r of rows) {
    console.log(
      `  ${r.path.padEnd(20)} ${`${r.kb.toFixed(0)} KB`.padStart(9)}   ${`${r.jsKb.toFixed(0)} KB`.padStart(7)}   ${`${r.fcp.toFixed(1)} s`.padStart(5)}   ${`${r.tti.toFixed(1)} s`.padStart(5)}   ${`${r.tbt.toFixed(0)} ms`.padStart(6)}   ${String(r.performance).padStart(4)}  ${String(r.accessibility).padStart(4)}`,
    )
  }
  const home = rows.find((r) => r.path === '/')!
  const map = rows.find((r) => r.path === '/map')!
  return [
    target('phone: home ≤ 100 KB transferred', home.kb <= 100, `${home.kb.toFixed(0)} KB`),
    target('phone: home FCP ≤ 1.5 s', home.fcp <= 1.5, `${home.fcp.toFixed(2)} s`),
    target('phone: map usable (TTI) ≤ 3 s', map.tti <= 3, `${map.tti.toFixed(2)} s`),
    ...rows.map((r) => target(`phone: ${r.path} Lighthouse performance ≥ 90`, r.performance >= 90, String(r.performance))),
    ...rows.map((r) => target(`phone: ${r.path} Lighthouse accessibility 100`, r.accessibility === 100, String(r.accessibility))),
  ]
}
