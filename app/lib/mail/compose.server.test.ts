import { ZodError } from 'zod'
import { describe, expect, it } from 'vitest'
import { config } from '../config.server'
import { composeMail } from './compose.server'

const hostile = `<script>alert("x")</script><img src=x onerror='steal()'> & friends`

describe('composeMail', () => {
  it('writes a plain-text and an HTML version with the action link written out in full', () => {
    const mail = composeMail({
      locale: 'en',
      subject: 'Confirm your e-mail address',
      greeting: 'Hello Ana,',
      paragraphs: ['Welcome to Plaza.', 'Confirm your address to take part.'],
      action: { label: 'Confirm my address', url: 'https://plaza.example.org/confirm?token=a&b=c' },
    })
    expect(mail.subject).toBe('Confirm your e-mail address')
    expect(mail.text).toBe(
      'Hello Ana,\n\nWelcome to Plaza.\n\nConfirm your address to take part.\n\nConfirm my address:\nhttps://plaza.example.org/confirm?token=a&b=c\n\n-- \n' +
        `This is an automatic message from Plaza, ${new URL(config().PUBLIC_URL).host}. Replies to this address are not read.\n`,
    )
    expect(mail.html).toContain('<html lang="en" dir="ltr">')
    expect(mail.html).toContain('<title>Confirm your e-mail address</title>')
    // The link appears twice (button and written out), its & escaped in the attribute.
    expect(mail.html.match(/href="https:\/\/plaza\.example\.org\/confirm\?token=a&amp;b=c"/g)).toHaveLength(2)
    expect(mail.html).toContain('If the button does not work, copy this address into your browser:')
  })

  it('escapes hostile text everywhere in the HTML and keeps it verbatim in the text', () => {
    const mail = composeMail({
      locale: 'en',
      subject: hostile,
      greeting: hostile,
      paragraphs: [hostile, 'line one\nline <two>'],
      action: { label: hostile, url: 'https://plaza.example.org/p?q="><script>bad()</script>' },
      footer: hostile,
    })
    expect(mail.html).not.toMatch(/<script|<img|onerror='|"><script/i)
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;steal()&#39;&gt; &amp; friends')
    expect(mail.html).toContain('line one<br>line &lt;two&gt;')
    // The URL parser percent-encodes what is not allowed in a URL; nothing closes the attribute.
    expect(mail.html).toContain('href="https://plaza.example.org/p?q=%22%3E%3Cscript%3Ebad()%3C/script%3E"')
    expect(mail.text).toContain(hostile)
  })

  it('makes a path absolute with PUBLIC_URL', () => {
    const mail = composeMail({ locale: 'en', subject: 'S', paragraphs: ['P'], action: { label: 'Open', url: '/petitions/4' } })
    expect(mail.text).toContain(`Open:\n${config().PUBLIC_URL}/petitions/4\n`)
    expect(mail.html).toContain(`href="${config().PUBLIC_URL}/petitions/4"`)
  })

  it.each(['javascript:alert(1)', 'data:text/html,<b>x</b>', '//evil.example/x', 'petitions/4', 'mailto:a@example.org'])('refuses the link %s', (url) => {
    expect(() => composeMail({ locale: 'en', subject: 'S', paragraphs: ['P'], action: { label: 'Open', url } })).toThrow(ZodError)
  })

  it.each([
    ['a subject on two lines', { subject: 'One\nBcc: x@example.org' }],
    ['no paragraph', { paragraphs: [] }],
    ['an unknown language', { locale: 'de' }],
  ])('refuses %s', (_name, overrides) => {
    expect(() => composeMail({ locale: 'en', subject: 'S', paragraphs: ['P'], ...overrides } as Parameters<typeof composeMail>[0])).toThrow(ZodError)
  })

  it.each([
    ['es', 'Este es un mensaje automático de Plaza', 'Si el botón no funciona'],
    ['fr', 'Ceci est un message automatique de Plaza', 'Si le bouton ne fonctionne pas'],
  ] as const)('writes the footer and the link help in %s', (locale, footer, help) => {
    const mail = composeMail({ locale, subject: 'S', paragraphs: ['P'], action: { label: 'Ir', url: '/x' } })
    expect(mail.text).toContain(footer)
    expect(mail.html).toContain(`lang="${locale}"`)
    expect(mail.html).toContain(footer)
    expect(mail.html).toContain(help)
  })
})
