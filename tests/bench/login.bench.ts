import os from 'node:os'
import { hash, verify } from '@node-rs/argon2'
import { load, printResults, startPlaza, target, type Verdict } from './lib'

/**
 * Accounts: logins per second over HTTP (argon2id is deliberately slow, ~60 ms a hash), beside the
 * raw argon2 verifications per second this machine does in the same run; and whether a burst of
 * logins slows other pages: the home page (as installed) and a rendered page (/login) alone, then
 * during the burst. Target: the home page stays at p95 ≤ 50 ms during the burst.
 */
async function rawVerifications(seconds: number): Promise<number> {
  const encoded = await hash('valmera-demo-2026', { memoryCost: 19456, timeCost: 2, parallelism: 1 })
  const parallel = Math.max(1, Number(process.env.UV_THREADPOOL_SIZE ?? 4))
  let done = 0
  const until = Date.now() + seconds * 1000
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (Date.now() < until) {
        await verify(encoded, 'valmera-demo-2026')
        done++
      }
    }),
  )
  return done / seconds
}

export async function benchLogin(seconds: number): Promise<Verdict[]> {
  const raw = await rawVerifications(Math.min(seconds, 5))
  const plaza = await startPlaza()
  try {
    const login = {
      url: `${plaza.url}/login`,
      method: 'POST' as const,
      body: 'email=resident%40valmera.example&password=valmera-demo-2026',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: plaza.url },
    }
    const homeAlone = await load('home page alone', { url: `${plaza.url}/`, connections: 32, seconds, warmupSeconds: 1 })
    const renderedAlone = await load('/login page alone (rendered)', { url: `${plaza.url}/login`, connections: 8, seconds })
    const loginsAlone = await load('logins alone', { ...login, connections: 8, seconds })
    const [logins, homeDuring, renderedDuring] = await Promise.all([
      load('logins, during the burst', { ...login, connections: 16, seconds }),
      load('home page during the burst', { url: `${plaza.url}/`, connections: 32, seconds }),
      load('/login page during the burst', { url: `${plaza.url}/login`, connections: 8, seconds }),
    ])
    printResults(`Logins — argon2id m=19456 t=2; ${os.availableParallelism()} cores; non-2xx counts the 302 that follows a good login`, [
      homeAlone,
      renderedAlone,
      loginsAlone,
      logins,
      homeDuring,
      renderedDuring,
    ])
    console.log(`  raw argon2 verifications in this process: ${raw.toFixed(0)}/s; logins over HTTP: ${loginsAlone.rps.toFixed(0)}/s (ratio ${(loginsAlone.rps / raw).toFixed(2)})`)
    console.log(`  home p95 during the burst / alone: ${(homeDuring.p95 / homeAlone.p95).toFixed(1)}×; /login p95: ${(renderedDuring.p95 / renderedAlone.p95).toFixed(1)}×`)
    return [
      target('home page p95 ≤ 50 ms during a login burst', homeDuring.p95 <= 50 && homeDuring.errors === 0, `p95 ${homeDuring.p95.toFixed(1)} ms with ${logins.rps.toFixed(0)} logins/s`),
      target('logins succeed under load', logins.errors === 0 && loginsAlone.requests > 0, `${loginsAlone.rps.toFixed(0)} logins/s alone, ${logins.rps.toFixed(0)}/s during the burst`),
    ]
  } finally {
    await plaza.stop()
  }
}
