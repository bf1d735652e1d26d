/**
 * A honeypot for public forms: a field people never see (hidden by CSS, out of the accessibility
 * tree) that naive bots fill in. Render <HoneypotField /> inside the form; in the action, call
 * isHoneypotFilled(formData) and refuse with a 400 when it is true.
 */
export const HONEYPOT_FIELD = 'website_url'

export function isHoneypotFilled(form: FormData | Record<string, unknown>): boolean {
  const value = form instanceof FormData ? form.get(HONEYPOT_FIELD) : form[HONEYPOT_FIELD]
  return typeof value === 'string' ? value.trim() !== '' : value != null && !(value instanceof File && value.size === 0)
}
