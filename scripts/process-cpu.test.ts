import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { sampleTreeCpu } from './process-cpu'

// A parent that starts a detached grandchild burning ~1.5 s of CPU and exits without waiting for it:
// the grandchild's CPU reaches no parent's rusage (as Chromium's processes under Playwright).
const BURN = 'const end = Date.now() + 1500; while (Date.now() < end) {}'
const PARENT = `
const { spawn } = require('node:child_process')
const child = spawn(process.execPath, ['-e', ${JSON.stringify(BURN)}], { detached: true, stdio: 'ignore' })
child.unref()
setTimeout(() => {}, 2500)
`

describe.skipIf(process.platform !== 'linux')('sampleTreeCpu', () => {
  it('counts the CPU of a descendant that no parent waits for', async () => {
    const parent = spawn(process.execPath, ['-e', PARENT], { stdio: 'ignore' })
    const sampled = sampleTreeCpu(parent.pid!, 100)
    await new Promise((resolve) => parent.on('close', resolve))
    const cpu = sampled.stop()
    // The grandchild spun for 1.5 s of wall; on a loaded machine it gets less of a core than that.
    expect(cpu).toBeGreaterThan(0.3)
  })

  it('reports nothing for a process that is not there', () => {
    expect(sampleTreeCpu(2 ** 22 + 7, 50).stop()).toBe(0)
  })
})
