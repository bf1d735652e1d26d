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

  it('keeps one t per language, namespace and key prefix, and answers repeated interpolations from the memo', () => {
    const i18n = i18nInstance('en')
    const t = i18n.getFixedT('en', 'common')
    expect(i18n.getFixedT('en', 'common')).toBe(t)
    expect(i18n.getFixedT('en', 'proposals')).not.toBe(t)
    expect(i18n.getFixedT('en', ['proposals', 'common'])).not.toBe(i18n.getFixedT('en', 'proposals'))
    // The same values twice, then others: each answer is i18next's for its values.
    expect(t('site.tagline', { city: 'Valmera' })).toBe('Have your say in Valmera')
    expect(t('site.tagline', { city: 'Valmera' })).toBe('Have your say in Valmera')
    expect(t('site.tagline', { city: 'Aldemar' })).toBe('Have your say in Aldemar')
    // A count given as a number and as a string are different calls.
    expect(t('home.neighbourhoods', { count: 1 })).toBe(t('home.neighbourhoods', { count: 1 }))
    expect(t('home.neighbourhoods', { count: 7 })).toContain('7')
    // A default value given as the second argument.
    expect(t('no.such.key', 'Fallback text')).toBe('Fallback text')
    expect(t('no.such.key', 'Other text')).toBe('Other text')
  })

  it('passes calls it cannot key (objects as values) to i18next unchanged', () => {
    const t = i18nInstance('en').getFixedT('en', 'common')
    const values = { city: { toString: () => 'Valmera' } }
    expect(t('site.tagline', values as unknown as { city: string })).toBe('Have your say in Valmera')
    values.city = { toString: () => 'Aldemar' }
    expect(t('site.tagline', values as unknown as { city: string })).toBe('Have your say in Aldemar')
  })
})
