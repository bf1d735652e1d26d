import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, type ChildProcess } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileServer, missingRuntimePackages, remixOutput, serverMain, serverOutput } from '../../scripts/build'
import { freePort } from '../support/server'

/**
 * Issue 20 part 4: the production build runs like one. `npm run build` compiles the server start script to
 * build/server.js (+ server-main.js); `node build/server.js` serves with plain node — no tsx in its arguments,
 * no TypeScript file loaded (a resolve hook refuses any), NODE_ENV production by default, cluster workers
 * included. (The Remix build itself is made by the suite's build step; this compiles the server part.)
 */
const root = path.resolve(import.meta.dirname, '../..')
let dir: string
let child: ChildProcess
let port: number
let output = ''

/** The hook throws on any .ts/.tsx module or anything from the tsx package: the server would then fail to start. */
function writeNoTypeScriptHook(): string {
  fs.writeFileSync(
    path.join(dir, 'hooks.mjs'),
    `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  if (/\\.[cm]?tsx?$/.test(new URL(result.url).pathname) || result.url.includes('/node_modules/tsx/')) throw new Error('TypeScript loaded at run time: ' + result.url)
  return result
}
`,
  )
  const register = path.join(dir, 'register.mjs')
  fs.writeFileSync(register, "import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url)\n")
  return register
}

function childrenOf(pid: number): number[] {
  const pids: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(entry))
    } catch {
      // gone
    }
  }
  return pids
}

const commandLine = (pid: number) => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)

async function until(condition: () => boolean | Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met in time; server output:\n${output}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

beforeAll(async () => {
  await compileServer()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-prod-'))
  port = await freePort()
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env))
    if (value !== undefined && !['NODE_OPTIONS', 'NODE_ENV', 'VITEST', 'TSX_TSCONFIG_PATH'].includes(key) && !key.startsWith('VITEST_')) env[key] = value
  // No node_modules/.bin on PATH: nothing can reach for tsx (or remix) by name.
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((p) => !p.includes('node_modules'))
    .join(path.delimiter)
  child = spawn(process.execPath, ['--import', writeNoTypeScriptHook(), 'build/server.js'], {
    cwd: root,
    // NODE_ENV left out on purpose: the compiled server defaults it to production.
    env: {
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: path.join(dir, 'plaza.sqlite'),
      SEED_DEMO: 'false',
      WEB_CONCURRENCY: '2',
      LOG_LEVEL: 'info',
      MAIL_WORKER: 'false',
    } as Record<string, string> as unknown as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()))
  await until(() => output.includes('all workers ready'), 80_000)
}, 90_000)

afterAll(async () => {
  if (child?.exitCode === null) {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

describe('the production build', () => {
  it('compiles the server to build/ and imports only runtime dependencies', async () => {
    expect(fs.existsSync(serverOutput) && fs.existsSync(serverMain)).toBe(true)
    expect(await missingRuntimePackages([remixOutput, serverOutput, serverMain])).toEqual([])
    const code = fs.readFileSync(serverMain, 'utf8')
    expect(code).not.toMatch(/from\s*["']tsx/)
    // The demo's build-at-start lives in scripts/start.ts only.
    expect(code).not.toContain('Building Plaza')
  })

  it('serves with plain node: /healthz, a page, cluster workers, no tsx', async () => {
    const health = await fetch(`http://127.0.0.1:${port}/healthz`)
    expect(health.status).toBe(200)
    const home = await fetch(`http://127.0.0.1:${port}/`)
    expect(home.status).toBe(200)
    expect(await home.text()).toContain('<html')
    const proposals = await fetch(`http://127.0.0.1:${port}/proposals`)
    expect(proposals.status).toBe(200)
    // NODE_ENV was unset: production by default (no /dev pages).
    expect((await fetch(`http://127.0.0.1:${port}/dev/mail`)).status).toBe(404)
    const workers = childrenOf(child.pid!)
    expect(workers).toHaveLength(2)
    for (const pid of [child.pid!, ...workers]) {
      const args = commandLine(pid)
      expect(args.some((a) => a.includes('tsx'))).toBe(false)
      expect(args.at(-1)).toMatch(/(^|\/)build\/server\.js$/)
    }
    expect(output).not.toContain('TypeScript loaded at run time')
  })

  it('stops on SIGTERM', async () => {
    child.kill('SIGTERM')
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
    expect(code).toBe(0)
  })
})
