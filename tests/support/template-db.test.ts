import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { buildOnce, processAlive, type Template } from './template-db'

// buildOnce's waiters must not outlive their builder (ADR 152 "What remains", ADR 155): they used to
// wait out their whole hook timeout when the builder's process was killed at its own.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-template-test-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))
let n = 0
const template = (): Template => ({ location: path.join(dir, `t${++n}.sqlite`), key: `k${n}` })
/** The id of a process that has ended. */
const endedPid = () => spawnSync(process.execPath, ['-e', '']).pid!

describe('buildOnce', () => {
  it('gives up at once when the builder named in the lock has ended without sealing', async () => {
    const t = template()
    fs.writeFileSync(`${t.location}.lock`, String(endedPid()))
    const began = Date.now()
    await expect(buildOnce(t, Date.now() + 60_000, () => Promise.reject(new Error('a waiter must not build')))).rejects.toThrow(/ended without finishing/)
    expect(Date.now() - began).toBeLessThan(5_000)
  })

  it('waits while the builder lives and the lock names no process yet, until its own deadline', async () => {
    const t = template()
    fs.writeFileSync(`${t.location}.lock`, '')
    await expect(buildOnce(t, Date.now() + 300, () => Promise.resolve())).rejects.toThrow(/not ready in time/)
    fs.writeFileSync(`${t.location}.lock`, String(process.pid))
    await expect(buildOnce(t, Date.now() + 300, () => Promise.resolve())).rejects.toThrow(/not ready in time/)
  })

  it('a builder past its deadline writes the failure its waiters read, and seals nothing', async () => {
    const t = template()
    const building = buildOnce(t, Date.now() + 200, () => new Promise(() => {}))
    const waiting = buildOnce(t, Date.now() + 60_000, () => Promise.reject(new Error('a waiter must not build')))
    await expect(building).rejects.toThrow(/not built by its deadline/)
    await expect(waiting).rejects.toThrow(/could not be built:[\s\S]*not built by its deadline/)
    expect(fs.existsSync(`${t.location}.sha256`)).toBe(false)
    expect(fs.readFileSync(`${t.location}.lock`, 'utf8')).toBe(String(process.pid))
  })

  it("a failed build's error reaches the waiters", async () => {
    const t = template()
    const building = buildOnce(t, Date.now() + 60_000, () => Promise.reject(new Error('seed exploded')))
    await expect(building).rejects.toThrow('seed exploded')
    await expect(buildOnce(t, Date.now() + 60_000, () => Promise.resolve())).rejects.toThrow(/seed exploded/)
  })

  it('processAlive tells a running process from an ended one', () => {
    expect(processAlive(process.pid)).toBe(true)
    expect(processAlive(endedPid())).toBe(false)
  })
})
