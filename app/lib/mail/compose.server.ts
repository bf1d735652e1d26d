import { z } from 'zod'
import { config } from '../config.server'
import { supportedLocales } from '../i18n'
import { i18nInstance } from '../i18n.server'

/**
 * One layout for every e-mail Plaza writes: a plain-text version that reads well on its own, and a
 * simple accessible HTML version (one column, real text, a link that is also written out in full).
 * Callers pass translated texts; everything is escaped here.
 */

const text = (max: number) => z.string().trim().min(1).max(max)

const absoluteUrl = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .transform((value, ctx) => {
    // A path is made absolute with PUBLIC_URL: mail is read far from the site.
    if (value.startsWith('/') && !value.startsWith('//')) return new URL(value, config().PUBLIC_URL + '/').href
    try {
      const url = new URL(value)
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.href
    } catch {
      // falls through to the issue below
    }
    ctx.addIssue({ code: 'custom', message: 'must be an absolute http(s) URL or a path starting with /' })
    return z.NEVER
  })

export const composeSchema = z.object({
  locale: z.enum(supportedLocales),
  subject: text(250).refine((v) => !/[\r\n]/.test(v), 'must be a single line'),
  greeting: text(500).optional(),
  paragraphs: z.array(text(20_000)).min(1).max(50),
  action: z.object({ label: text(200), url: absoluteUrl }).optional(),
  footer: text(2000).optional(),
  /**
   * A picture in the HTML part (an inline attachment the caller queues with the same `cid`), after
   * paragraph `after` (0-based), linked to `href`. The text part has no picture: the caller's
   * paragraphs carry the link.
   */
  image: z
    .object({
      cid: z.string().regex(/^[\w.-]{1,100}@[\w.-]{1,100}$/),
      alt: text(300),
      width: z.number().int().min(1).max(2000),
      height: z.number().int().min(1).max(2000),
      href: absoluteUrl,
      after: z.number().int().min(0),
    })
    .optional(),
})
export type ComposeInput = z.input<typeof composeSchema>

export interface ComposedMail {
  subject: string
  text: string
  html: string
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
// A paragraph's own line breaks are kept.
const paragraph = (s: string, style = '') => `<p style="margin:0 0 16px;${style}">${escapeHtml(s).replace(/\r?\n/g, '<br>')}</p>`

const picture = (img: NonNullable<z.output<typeof composeSchema>['image']>) =>
  `<p style="margin:0 0 16px;"><a href="${escapeHtml(img.href)}"><img src="cid:${escapeHtml(img.cid)}" alt="${escapeHtml(img.alt)}" width="${img.width}" height="${img.height}" style="display:block;max-width:100%;height:auto;border:1px solid #d5dde3;border-radius:4px;"></a></p>`

export function composeMail(input: ComposeInput): ComposedMail {
  const m = composeSchema.parse(input)
  const t = i18nInstance(m.locale).getFixedT(m.locale, 'mail')
  const footer = m.footer ?? t('footer.automatic', { site: new URL(config().PUBLIC_URL).host })

  const textParts = [...(m.greeting ? [m.greeting] : []), ...m.paragraphs]
  if (m.action) textParts.push(`${m.action.label}:\n${m.action.url}`)
  // "-- " (with the space) is the signature separator mail programs recognise.
  const plain = `${textParts.join('\n\n')}\n\n-- \n${footer}\n`

  const muted = 'font-size:14px;color:#4a5561;'
  const body = [
    ...(m.greeting ? [paragraph(m.greeting)] : []),
    ...m.paragraphs.flatMap((p, i) => [paragraph(p), ...(m.image && i === Math.min(m.image.after, m.paragraphs.length - 1) ? [picture(m.image)] : [])]),
    ...(m.action
      ? [
          `<p style="margin:24px 0;"><a href="${escapeHtml(m.action.url)}" style="display:inline-block;background:#0b5c8a;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600;">${escapeHtml(m.action.label)}</a></p>`,
          `<p style="margin:0 0 16px;${muted}">${escapeHtml(t('action.fallback'))}<br><a href="${escapeHtml(m.action.url)}" style="color:#0b5c8a;word-break:break-all;">${escapeHtml(m.action.url)}</a></p>`,
        ]
      : []),
    '<hr style="border:0;border-top:1px solid #d5dde3;margin:24px 0;">',
    paragraph(footer, muted),
  ]
  const subject = escapeHtml(m.subject)
  const html = `<!doctype html>
<html lang="${m.locale}" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${subject}</title>
</head>
<body style="margin:0;padding:0;background:#f3f6f8;">
<div role="article" aria-roledescription="email" aria-label="${subject}" lang="${m.locale}" style="max-width:36rem;margin:0 auto;padding:24px 16px;background:#ffffff;color:#1b1f24;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;">
${body.join('\n')}
</div>
</body>
</html>
`
  return { subject: m.subject, text: plain, html }
}
