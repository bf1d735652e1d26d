/** One page of someone's list: what it shows and how many there are in all. */
export interface Page<T> {
  items: T[]
  total: number
}

export const PAGE_SIZE = 20

/** The page number in a query string: a whole number from 1; anything else is page 1. */
export function pageNumber(value: string | null): number {
  const n = Number(value)
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1
}

export const offsetOf = (page: number, size = PAGE_SIZE) => (page - 1) * size
