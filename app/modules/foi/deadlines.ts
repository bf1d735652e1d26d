import type { Deadline } from './laws'

/**
 * Statutory deadlines on calendar days (YYYY-MM-DD, UTC). Pure.
 * Working days: Monday to Friday, not a public holiday the city set. A request received on a
 * non-working day counts from the next working day (UK ICO guidance: "day one" is the first working
 * day after receipt). A deadline in months ends on the same date of the later month (or its last
 * day), moved to the next working day when that is not one.
 */

export const isoDate = (d: Date) => d.toISOString().slice(0, 10)
const parse = (day: string) => new Date(`${day}T00:00:00.000Z`)
const plusDays = (day: string, n: number) => {
  const d = parse(day)
  d.setUTCDate(d.getUTCDate() + n)
  return isoDate(d)
}

export function isWorkingDay(day: string, holidays: ReadonlySet<string>): boolean {
  const weekday = parse(day).getUTCDay()
  return weekday !== 0 && weekday !== 6 && !holidays.has(day)
}

export function addWorkingDays(from: string, count: number, holidays: ReadonlySet<string>): string {
  let day = from
  let left = count
  while (left > 0) {
    day = plusDays(day, 1)
    if (isWorkingDay(day, holidays)) left--
  }
  return day
}

export function addMonths(from: string, count: number): string {
  const d = parse(from)
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + count, 1))
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate()
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay))
  return isoDate(target)
}

export function nextWorkingDay(day: string, holidays: ReadonlySet<string>): string {
  let d = day
  while (!isWorkingDay(d, holidays)) d = plusDays(d, 1)
  return d
}

/** The day an answer is due for a request sent on `sentOn`. */
export function dueDate(sentOn: string, deadline: Deadline, holidays: ReadonlySet<string>): string {
  if (deadline.unit === 'workingDays') return addWorkingDays(sentOn, deadline.count, holidays)
  return nextWorkingDay(addMonths(sentOn, deadline.count), holidays)
}
