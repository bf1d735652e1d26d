import { expect, it } from 'vitest'
import { representativeInputSchema, representativeFields } from './representatives-schema'
it('reads the role per language (at least one), stores JSON, and still reports every other field', () => {
  const r = representativeInputSchema.safeParse(representativeFields({ name: 'Q', role_en: '', level: 'n', area: 'a', email: 'nope', party: '', activeFrom: '2024-05-01', activeUntil: '2024-04-01' }))
  const paths = r.success ? [] : r.error.issues.map((i) => `${String(i.path[0])}:${i.message}`)
  expect(paths).toContain('role:representatives:errors.roleRequired')
  expect(paths).toContain('activeUntil:representatives:errors.periodOrder')
  const ok = representativeInputSchema.parse(representativeFields({ name: 'Q', role_en: ' A ', role_fr: 'B', level: 'n', area: 'a', email: 'a@b.org', party: '', activeFrom: '', activeUntil: '' }))
  expect(ok.role).toBe('{"en":"A","fr":"B"}')
})
