import path from 'node:path'
import fs from 'node:fs'
import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { functionKey, functionSizes, longFunctions, MAX_FUNCTION_LINES } from './function-size'
import { longFunctionReasons } from './long-functions'

/** Issue 23: no function over ~80 lines without a reason (app/architecture/long-functions.ts). */
const root = path.resolve(__dirname, '../..')
const long = longFunctions(root, ['app', 'scripts'])

describe('function length', () => {
  it(`no function over ${MAX_FUNCTION_LINES} lines without a reason in long-functions.ts`, () => {
    const unexplained = long.filter((f) => !(functionKey(f) in longFunctionReasons)).map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`)
    expect(unexplained, 'split it, or add it to app/architecture/long-functions.ts with a reason').toEqual([])
  })

  it('every entry of the allow-list is still a long function (remove the ones you split)', () => {
    const keys = new Set(long.map(functionKey))
    expect(Object.keys(longFunctionReasons).filter((k) => !keys.has(k))).toEqual([])
    for (const [key, reason] of Object.entries(longFunctionReasons)) expect(reason, key).toMatch(/^[A-Z_]+: .{20,}/)
  })

  it('measures declarations, arrows, methods and callbacks by their lines (the check on a sample)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-size-'))
    const file = path.join(dir, 'sample.tsx')
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i}`).join('\n')
    fs.writeFileSync(
      file,
      [`export function big() {`, body(81), `}`, `const arrow = () => {`, body(3), `}`, `class K {`, `  method() {`, body(2), `  }`, `}`, `useEffect(() => {`, body(1), `})`].join('\n'),
    )
    try {
      const sizes = functionSizes(dir, file).map((f) => [f.name, f.line, f.lines])
      expect(sizes).toEqual([
        ['big', 1, 83],
        ['arrow', 84, 5],
        ['method', 90, 4],
        ['useEffect(…)', 95, 3],
      ])
      expect(longFunctions(dir, ['.']).map((f) => f.name)).toEqual(['big'])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
