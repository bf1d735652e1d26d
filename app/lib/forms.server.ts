import { translatorFor } from './i18n.server'

/**
 * Reads a form body. A body that cannot be parsed (broken multipart, bad encoding) is the
 * sender's fault: it becomes a 400 page with a plain explanation, never a 500.
 */
export async function readForm(request: Request): Promise<FormData> {
  try {
    return await request.formData()
  } catch {
    const { t } = await translatorFor(request)
    throw new Response(t('errors.malformedForm'), { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
  }
}

/** The form's text fields as a plain object (files are left out), for zod. */
export function formFields(form: FormData): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  for (const [key, value] of form) if (typeof value === 'string' && !(key in out)) out[key] = value
  return out
}
