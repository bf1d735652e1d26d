import { describe, expect, it } from 'vitest'
import { i18nInstance } from './i18n.server'

/** The memo of plain lookups (i18n.server.ts, docs/performance.md) answers as i18next does, and only where the answer cannot vary. */
describe('memoized translations', () => {
  it('answers plain lookups as i18next, per language and namespace', () => {
    const en = i18nInstance('en').getFixedT('en', 'common')
    const es = i18nInstance('es').getFixedT('es', 'common')
    expect(en('errors.notFoundTitle')).toBe('Page not found')
    expect(en('errors.notFoundTitle')).toBe('Page not found')
    expect(es('errors.notFoundTitle')).not.toBe('Page not found')
    expect(es('errors.notFoundTitle')).toBe(es('errors.notFoundTitle'))
    // Another namespace, same key text: not mixed up.
    expect(i18nInstance('en').getFixedT('en', 'proposals')('errors.notFoundTitle')).not.toBe('Page not found')
  })

  it('still interpolates and pluralises every call', () => {
    const t = i18nInstance('en').getFixedT('en', 'common')
    expect(t('site.tagline', { city: 'Valmera' })).toBe('Have your say in Valmera')
    expect(t('site.tagline', { city: 'Aldemar' })).toBe('Have your say in Aldemar')
    const one = t('home.neighbourhoods', { count: 1 })
    const many = t('home.neighbourhoods', { count: 7 })
    expect(one).not.toBe(many)
    expect(many).toContain('7')
  })
})
