import { describe, expect, it } from 'vitest'
import { addMonths, addWorkingDays, dueDate, isWorkingDay } from './deadlines'
import { LAWS, defaultLaw } from './laws'
import { displayStatus } from './states'

const none = new Set<string>()

describe('statutory deadlines', () => {
  it('counts 20 working days from the day after receipt (UK FOI Act s.10)', () => {
    // Monday 2 March 2026 → Monday 30 March 2026 (four full weeks).
    expect(dueDate('2026-03-02', LAWS.uk_foia.deadline, none)).toBe('2026-03-30')
    // Received on a Saturday: the count starts on Monday.
    expect(addWorkingDays('2026-03-07', 1, none)).toBe('2026-03-09')
  })

  it('skips the public holidays the city set', () => {
    const holidays = new Set(['2026-03-10', '2026-03-11'])
    expect(isWorkingDay('2026-03-10', holidays)).toBe(false)
    expect(dueDate('2026-03-02', LAWS.uk_foia.deadline, holidays)).toBe('2026-04-01')
  })

  it('ends a month later on the same date, or the month’s last day, moved off weekends and holidays', () => {
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28')
    expect(addMonths('2026-12-15', 1)).toBe('2027-01-15')
    // 14 Feb 2026 + 1 month = Saturday 14 March → Monday 16 March.
    expect(dueDate('2026-02-14', LAWS.fr_crpa.deadline, none)).toBe('2026-03-16')
    expect(dueDate('2026-02-14', LAWS.es_19_2013.deadline, new Set(['2026-03-16']))).toBe('2026-03-17')
    expect(dueDate('2026-02-14', LAWS.de_ifg.deadline, none)).toBe('2026-03-16')
  })

  it('French silence for a month is a refusal; the city’s language picks the default law', () => {
    expect(LAWS.fr_crpa.silenceIsRefusal).toBe(true)
    expect(LAWS.uk_foia.silenceIsRefusal).toBe(false)
    expect(defaultLaw('fr')).toBe('fr_crpa')
    expect(defaultLaw('es')).toBe('es_19_2013')
    expect(defaultLaw('en')).toBe('uk_foia')
  })

  it('letters carry the request and the law', () => {
    const values = {
      body: 'Ayuntamiento',
      title: 'Farolas',
      request: 'El presupuesto de farolas.',
      requester: 'Ana',
      sentOn: '2026-01-02',
      dueOn: '2026-02-02',
      url: 'https://plaza.example/information-requests/1',
    }
    expect(LAWS.es_19_2013.letters.request(values)).toContain('Ley 19/2013')
    expect(LAWS.es_19_2013.letters.request(values)).toContain('El presupuesto de farolas.')
    expect(LAWS.de_ifg.letters.reminder(values)).toContain('2026-02-02')
    expect(LAWS.uk_foia.letters.internalReview(values)).toContain('internal review')
  })
})

describe('display status', () => {
  it('is overdue past the deadline and long overdue past the long one, until classified', () => {
    expect(displayStatus('awaiting', '2026-03-30', '2026-04-27', '2026-03-30')).toBe('awaiting')
    expect(displayStatus('awaiting', '2026-03-30', '2026-04-27', '2026-03-31')).toBe('overdue')
    expect(displayStatus('internal_review', '2026-03-30', '2026-04-27', '2026-04-28')).toBe('long_overdue')
    expect(displayStatus('successful', '2026-03-30', '2026-04-27', '2026-05-01')).toBe('successful')
    expect(displayStatus('refused', '2026-03-30', '2026-04-27', '2026-03-01')).toBe('refused')
  })
})
