import { describe, expect, it } from 'vitest'
import { hotScore, recentWeight } from './hot'
import { answerable, mayEdit, mayView, supportRefusal } from './policy'
import { listQuerySchema, normaliseTags, proposalFormSchema, tagParam } from './schema'
import { ftsQuery, searchTerms } from './search'
import { addMonths, canTransition, daysUntil, restoredState } from './states'

const HOUR = 3_600_000
const DAY = 24 * HOUR

describe('tags', () => {
  it('lower-cases, keeps letters of any script, digits and single hyphens, drops repeats', () => {
    expect(normaliseTags('Bike Lanes, #Trees,  árboles ,TREES').tags).toEqual(['bike-lanes', 'trees', 'árboles'])
    expect(normaliseTags('  --Hello!! World--  ; 2026 ').tags).toEqual(['hello-world', '2026'])
    expect(normaliseTags('Ünïcödé_tag, 東京').tags).toEqual(['ünïcödé-tag', '東京'])
    expect(normaliseTags(' , ,, ').tags).toEqual([])
  })

  it('refuses more than 5 tags or one longer than 24 characters (never cut silently)', () => {
    expect(normaliseTags('a, b, c, d, e').problem).toBeNull()
    expect(normaliseTags('a, b, c, d, e, f').problem).toBe('tooMany')
    expect(normaliseTags('x'.repeat(24)).problem).toBeNull()
    expect(normaliseTags('x'.repeat(25)).problem).toBe('tooLong')
    const parsed = proposalFormSchema.safeParse({ title: 'A title', summary: 'A summary long enough', body: 'A body long enough', category: 'mobility', tags: 'a,b,c,d,e,f' })
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]?.message).toBe('proposals:errors.tagsTooMany')
  })

  it('takes one tag from a URL, or none', () => {
    expect(tagParam('Bike Lanes')).toBe('bike-lanes')
    expect(tagParam('a,b')).toBeUndefined()
    expect(tagParam('')).toBeUndefined()
    expect(tagParam(['x'])).toBeUndefined()
  })
})

describe('the form and the list query', () => {
  it('trims and bounds the fields, with i18n keys as messages', () => {
    const ok = proposalFormSchema.parse({ title: '  Plant trees  ', summary: 'Shade for the river walk.', body: 'Line the banks\r\nwith trees.', category: 'environment', tags: 'Trees' })
    expect(ok).toEqual({ title: 'Plant trees', summary: 'Shade for the river walk.', body: 'Line the banks\nwith trees.', category: 'environment', tags: ['trees'] })
    const bad = proposalFormSchema.safeParse({ title: 'x', summary: 's'.repeat(201), body: '', category: 'Not A Code!' })
    const messages = Object.fromEntries(bad.error!.issues.map((i) => [i.path[0], i.message]))
    expect(messages).toEqual({
      title: 'proposals:errors.titleRequired',
      summary: 'proposals:errors.summaryTooLong',
      body: 'proposals:errors.bodyRequired',
      category: 'proposals:errors.categoryRequired',
    })
  })

  it('drops anything odd in the query string instead of failing', () => {
    expect(listQuerySchema.parse({ sort: 'sideways', state: 'draft', page: '-3', area: '../etc', tag: 'A B', category: 'mobility' })).toEqual({
      q: undefined,
      sort: undefined,
      area: undefined,
      tag: 'a-b',
      category: 'mobility',
      state: undefined,
      page: undefined,
    })
  })
})

describe('the FTS5 query builder', () => {
  it('quotes every term and matches the last as a prefix', () => {
    expect(ftsQuery('shade trees')).toBe('"shade" "trees"*')
    expect(ftsQuery('Árboles')).toBe('"árboles"*')
    expect(ftsQuery('a')).toBe('"a"')
  })

  it('leaves no FTS5 syntax in what people type', () => {
    for (const hostile of ['"', 'AND OR NOT', 'title:foo', '(((', '*', 'NEAR(a b)', '-x', `a' OR 1=1 --`, '^start', '{title summary}: x', 'a + b']) {
      const q = ftsQuery(hostile)
      if (q === null) continue
      // Only quoted words, spaces and one trailing star.
      expect(q, hostile).toMatch(/^("[\p{L}\p{N}\p{M}]+"\*? ?)+$/u)
    }
    expect(ftsQuery('!!! ??? ***')).toBeNull()
    expect(ftsQuery('')).toBeNull()
  })

  it('bounds the number and length of terms', () => {
    expect(searchTerms('one two three four five six seven eight nine ten')).toHaveLength(8)
    expect(searchTerms('x'.repeat(500))[0]).toHaveLength(40)
  })
})

describe('hot', () => {
  it('weighs recent supports more, and nothing after seven days', () => {
    const now = Date.UTC(2026, 0, 10)
    expect(recentWeight(now, now)).toBe(1)
    expect(recentWeight(now - 3.5 * DAY, now)).toBeCloseTo(0.5)
    expect(recentWeight(now - 7 * DAY, now)).toBe(0)
    expect(recentWeight(now + HOUR, now)).toBe(1)
  })

  it('is recent supports over age, the age capped at a week', () => {
    const now = Date.UTC(2026, 0, 10)
    expect(hotScore(0, now, now)).toBeCloseTo(1 / 2 ** 1.5)
    expect(hotScore(3, now - 10 * HOUR, now)).toBeCloseTo(4 / 12 ** 1.5)
    // A proposal half a year old with supports this week can still rise above a week-old one without.
    expect(hotScore(10, now - 180 * DAY, now)).toBeGreaterThan(hotScore(0, now - 8 * DAY, now))
    expect(hotScore(10, now - 180 * DAY, now)).toBe(hotScore(10, now - 8 * DAY, now))
    // Newer beats older with the same recent supports.
    expect(hotScore(2, now - HOUR, now)).toBeGreaterThan(hotScore(2, now - 48 * HOUR, now))
  })
})

describe('states and policy', () => {
  it('allows only the transitions of the lifecycle', () => {
    expect(canTransition('draft', 'published', 'author')).toBe(true)
    expect(canTransition('published', 'draft', 'author')).toBe(false)
    expect(canTransition('published', 'threshold_reached', 'system')).toBe(true)
    expect(canTransition('published', 'archived', 'system')).toBe(true)
    expect(canTransition('archived', 'published', 'system')).toBe(false)
    expect(canTransition('threshold_reached', 'voting', 'voting')).toBe(true)
    expect(canTransition('published', 'voting', 'voting')).toBe(false)
    expect(canTransition('published', 'answered', 'council')).toBe(false)
    expect(canTransition('voting', 'answered', 'council')).toBe(true)
    expect(canTransition('draft', 'hidden', 'moderator')).toBe(false)
    expect(canTransition('answered', 'hidden', 'moderator')).toBe(true)
  })

  it('restores a hidden proposal to the state its dates say', () => {
    const base = { answered_at: null, process_id: null, threshold_reached_at: null, archived_at: null, expires_at: '2027-01-01T00:00:00.000Z' }
    const now = '2026-06-01T00:00:00.000Z'
    expect(restoredState(base, now)).toBe('published')
    expect(restoredState({ ...base, expires_at: '2026-05-01T00:00:00.000Z' }, now)).toBe('archived')
    expect(restoredState({ ...base, threshold_reached_at: now }, now)).toBe('threshold_reached')
    expect(restoredState({ ...base, threshold_reached_at: now, process_id: 4 }, now)).toBe('voting')
    expect(restoredState({ ...base, threshold_reached_at: now, process_id: 4, answered_at: now }, now)).toBe('answered')
  })

  it('adds calendar months and counts days left', () => {
    expect(addMonths('2026-01-31T10:00:00.000Z', 1)).toBe('2026-02-28T10:00:00.000Z')
    expect(addMonths('2026-03-15T00:00:00.000Z', 12)).toBe('2027-03-15T00:00:00.000Z')
    expect(daysUntil('2026-01-11T00:00:00.000Z', Date.UTC(2026, 0, 10))).toBe(1)
    expect(daysUntil('2026-01-01T00:00:00.000Z', Date.UTC(2026, 0, 10))).toBe(0)
  })

  it('keeps drafts to their authors and supports to published proposals at the level', () => {
    const author = { id: 1, verificationLevel: 1, roles: [] }
    const other = { id: 2, verificationLevel: 2, roles: [] }
    const moderator = { id: 3, verificationLevel: 1, roles: [{ role: 'moderator' as const, departmentId: null }] }
    expect(mayView(author, { state: 'draft', authorId: 1 })).toBe(true)
    expect(mayView(other, { state: 'draft', authorId: 1 })).toBe(false)
    expect(mayView(moderator, { state: 'draft', authorId: 1 })).toBe(false)
    expect(mayView(null, { state: 'hidden', authorId: 1 })).toBe(false)
    expect(mayView(moderator, { state: 'hidden', authorId: 1 })).toBe(true)
    expect(mayEdit(author, { state: 'published', authorId: 1 })).toBe(false)
    expect(supportRefusal(null, { state: 'published', authorId: 1 }, 2)).toEqual({ kind: 'login' })
    expect(supportRefusal(author, { state: 'published', authorId: 1 }, 2)).toEqual({ kind: 'needsLevel', level: 2 })
    expect(supportRefusal({ ...author, verificationLevel: 2 }, { state: 'published', authorId: 1 }, 2)).toBeNull()
    expect(supportRefusal(other, { state: 'archived', authorId: 1 }, 2)).toEqual({ kind: 'notOpen' })
    expect(answerable('threshold_reached', null)).toBe(true)
    expect(answerable('voting', 'open')).toBe(false)
    expect(answerable('voting', 'closed')).toBe(true)
    expect(answerable('published', null)).toBe(false)
  })
})
