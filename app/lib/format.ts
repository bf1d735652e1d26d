// Intl formatters are costly to build (a tenth of a millisecond each): one set per locale.
const cache = new Map<string, { integer: Intl.NumberFormat; decimal: Intl.NumberFormat; dateTime: Intl.DateTimeFormat; date: Intl.DateTimeFormat }>()

export function formatters(locale: string) {
  let f = cache.get(locale)
  if (!f) {
    f = {
      integer: new Intl.NumberFormat(locale),
      decimal: new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }),
      dateTime: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
      date: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }),
    }
    cache.set(locale, f)
  }
  return f
}
