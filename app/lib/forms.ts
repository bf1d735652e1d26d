import type { z } from 'zod'

/** Field errors keyed by field name, as the forms render them next to each field. */
export type FieldErrors = Record<string, string[] | undefined>

/** Only same-site paths are followed after a form, never another host ("//evil.example"). */
export function safeRedirectPath(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return fallback
  // Browsers drop tabs and newlines from URLs and read "\" as "/": "/\t/evil.example" is "//evil.example".
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return fallback
  return value
}

/**
 * zod issues whose messages are i18n keys ("accounts:errors.emailInvalid"), translated, first
 * message per field — what forms show next to each field.
 */
export function translatedErrors(error: z.ZodError, t: (key: string) => string): FieldErrors {
  const out: FieldErrors = {}
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? 'form')
    if (!out[field]) out[field] = [issue.message.includes(':') ? t(issue.message) : issue.message]
  }
  return out
}
