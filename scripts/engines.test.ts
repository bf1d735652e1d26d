import fs from 'node:fs'
import path from 'node:path'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

/**
 * Plaza runs on Node 20 (package.json `engines`). No installed package may declare an `engines.node`
 * that this runtime violates: kysely 0.29 and a MapLibre dependency once wanted Node 22, so they are
 * pinned (docs/decisions/122-node-20.md).
 */
const root = path.resolve(__dirname, '..')

function installedPackages(dir: string, found: Array<{ name: string; dir: string }> = []) {
  if (!fs.existsSync(dir)) return found
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.name.startsWith('@')) {
      installedPackages(full, found)
      continue
    }
    if (fs.existsSync(path.join(full, 'package.json'))) found.push({ name: entry.name, dir: full })
    installedPackages(path.join(full, 'node_modules'), found)
  }
  return found
}

describe('the Node version', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string } }

  it('is one package.json accepts', () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true)
  })

  it('satisfies every installed package that declares an engines.node range', () => {
    const violations: string[] = []
    for (const p of installedPackages(path.join(root, 'node_modules'))) {
      const meta = JSON.parse(fs.readFileSync(path.join(p.dir, 'package.json'), 'utf8')) as { name?: string; version?: string; engines?: { node?: unknown } }
      const range = typeof meta.engines?.node === 'string' ? meta.engines.node : null
      if (range && semver.validRange(range) && !semver.satisfies(process.version, range)) violations.push(`${meta.name}@${meta.version} wants node ${range}`)
    }
    expect(violations).toEqual([])
  })

  it('the lowest Node that package.json accepts satisfies the runtime dependencies too', () => {
    const lowest = semver.minVersion(pkg.engines.node)!.version
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; dev?: boolean; optional?: boolean; engines?: { node?: string } }>
    }
    const violations = Object.entries(lock.packages)
      .filter(([key, p]) => key && !p.dev && !p.optional && typeof p.engines?.node === 'string')
      .filter(([, p]) => !semver.satisfies(lowest, p.engines!.node!))
      .map(([key, p]) => `${key}@${p.version} wants node ${p.engines!.node}`)
    expect(violations).toEqual([])
  })
})
