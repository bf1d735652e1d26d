import { describe, expect, it } from 'vitest'
import { safeRedirectPath } from './forms'

describe('safeRedirectPath', () => {
  it.each(['/', '/petitions/3?signed=1', '/es/'])('keeps same-site path %s', (p) => expect(safeRedirectPath(p)).toBe(p))
  it.each(['//evil.example', 'https://evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', '/\r//evil.example', '/a\\b', 'javascript:alert(1)', '', undefined, 42])(
    'replaces %s with the fallback',
    (p) => expect(safeRedirectPath(p, '/home')).toBe('/home'),
  )
})
