import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { permissions } from './accounts/policy'
import { FOLLOW_KINDS } from './notifications/follow'
import { datasets } from './opendata/datasets.server'
import { manifests, registerCapabilities } from './registry.server'
import { startBackgroundJobs } from './jobs.server'
import { seededDatabase } from '../../tests/support/fixtures'
import { config } from '../lib/config.server'
import type { JobContext } from '../lib/jobs.server'

const modulesDir = path.join(__dirname)
const routeFiles = fs.readdirSync(path.join(__dirname, '..', 'routes'))
// "admin.votes.$id.tsx" → "/admin/votes/$id"; "[.csv]" escapes a dot into the path.
const routePaths = routeFiles.map(
  (f) =>
    `/${f
      .replace(/\.(tsx|ts)$/, '')
      .replace(/\[\.([a-z]+)\]/g, '\u0000$1')
      .replace(/_\./g, '.')
      .replace(/\./g, '/')
      .replace(/\u0000/g, '.')
      .replace(/_index$/, '')}`,
)

describe('capability manifests', () => {
  it('one manifest per module folder, each named after its folder', () => {
    const folders = fs
      .readdirSync(modulesDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
    expect(manifests.map((m) => m.name).sort()).toEqual(folders)
    for (const folder of folders) expect(fs.existsSync(path.join(modulesDir, folder, 'manifest.server.ts')), folder).toBe(true)
  })

  it('declares only routes that exist, permissions that exist and followable kinds that exist, each kind once', () => {
    for (const m of manifests) {
      for (const prefix of m.routes)
        expect(
          routePaths.some((r) => r === prefix || r.startsWith(`${prefix}/`) || r.startsWith(`${prefix}.`)),
          `${m.name}: ${prefix}`,
        ).toBe(true)
      for (const p of m.permissions) expect(permissions, `${m.name}: ${p}`).toContain(p)
    }
    const followable = manifests.flatMap((m) => m.followableKinds)
    expect([...followable].sort()).toEqual([...FOLLOW_KINDS].sort())
    const layers = manifests.flatMap((m) => m.mapLayers)
    expect(new Set(layers).size).toBe(layers.length)
  })

  it('registering reads the manifests: the datasets they declare are the datasets served, and a second call is a no-op', () => {
    registerCapabilities()
    registerCapabilities()
    expect(
      datasets()
        .map((d) => d.name)
        .sort(),
    ).toEqual(manifests.flatMap((m) => m.datasets).sort())
  })

  it("the background jobs are the manifests' jobs: each named once, all started and stopped", async () => {
    await seededDatabase()
    const names = manifests.flatMap((m) => m.jobs.map((j) => j.name))
    expect(new Set(names).size).toBe(names.length)
    expect(names.length).toBeGreaterThanOrEqual(9)
    const logged: unknown[] = []
    const log = { debug: (o: unknown) => logged.push(o), info: () => undefined, error: () => undefined } as unknown as JobContext['log']
    const jobs = startBackgroundJobs({ log, config: config() })
    expect(jobs.jobs).toEqual(names)
    expect(logged).toEqual([{ jobs: names }])
    await jobs.stop()
  })
})
