import { describe, expect, it } from 'vitest'
import { normaliseEmailDomain, normaliseSignatureEmail, signatureEmailDomain } from './email'

describe('normaliseSignatureEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseSignatureEmail('  Jane.Doe@Example.ORG ')).toBe('jane.doe@example.org')
  })

  it('removes Gmail plus-tags and dots, and maps googlemail.com to gmail.com', () => {
    expect(normaliseSignatureEmail('John.Smith+petitions@gmail.com')).toBe('johnsmith@gmail.com')
    expect(normaliseSignatureEmail('j.o.h.n.smith@GoogleMail.com')).toBe('johnsmith@gmail.com')
    expect(normaliseSignatureEmail('johnsmith+a+b@googlemail.com')).toBe('johnsmith@gmail.com')
  })

  it('removes plus-tags but keeps dots and the domain at Outlook.com', () => {
    expect(normaliseSignatureEmail('jane.doe+x@outlook.com')).toBe('jane.doe@outlook.com')
    expect(normaliseSignatureEmail('jane.doe+x@Hotmail.com')).toBe('jane.doe@hotmail.com')
    expect(normaliseSignatureEmail('jane+x@live.com')).toBe('jane@live.com')
    expect(normaliseSignatureEmail('jane+x@msn.com')).toBe('jane@msn.com')
  })

  it('keeps dots, plus and hyphens for every other provider', () => {
    expect(normaliseSignatureEmail('jane.doe+x@example.com')).toBe('jane.doe+x@example.com')
    expect(normaliseSignatureEmail('jane-news@yahoo.com')).toBe('jane-news@yahoo.com')
    expect(normaliseSignatureEmail('j.doe+x@gmail.co.uk')).toBe('j.doe+x@gmail.co.uk')
    expect(normaliseSignatureEmail('j.doe+x@mail.gmail.com')).toBe('j.doe+x@mail.gmail.com')
  })

  it('converts international domains to ASCII', () => {
    expect(normaliseSignatureEmail('anna@Bücher.example')).toBe('anna@xn--bcher-kva.example')
    expect(normaliseSignatureEmail('anna@xn--bcher-kva.example')).toBe('anna@xn--bcher-kva.example')
  })

  it('accepts a trailing dot on the domain and UTF-8 local parts', () => {
    expect(normaliseSignatureEmail('a@example.com.')).toBe('a@example.com')
    expect(normaliseSignatureEmail('josé@example.com')).toBe('josé@example.com')
  })

  it.each([
    '',
    '   ',
    'plainaddress',
    '@example.com',
    'jane@',
    'jane@@example.com',
    'a@b@example.com',
    'jane doe@example.com',
    'jane@exa mple.com',
    '.jane@example.com',
    'jane.@example.com',
    'ja..ne@example.com',
    '"jane"@example.com',
    'jane@localhost',
    'jane@example',
    'jane@-example.com',
    'jane@example-.com',
    'jane@exa..mple.com',
    'jane@example.123',
    'jane@[192.0.2.1]',
    'jane@192.0.2.1',
    'jane@exam_ple.com',
    '+tag@gmail.com',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(64)}.com`,
    `a@${'abcdefghi.'.repeat(25)}com`,
    'jane\u0000@example.com',
  ])('refuses %j', (address) => {
    expect(normaliseSignatureEmail(address)).toBeNull()
  })

  it('gives the domain of a key', () => {
    expect(signatureEmailDomain(normaliseSignatureEmail('A+b@GoogleMail.com')!)).toBe('gmail.com')
  })
})

describe('normaliseEmailDomain', () => {
  it('lower-cases, converts to ASCII and refuses non-hosts', () => {
    expect(normaliseEmailDomain('Mail.Example.COM')).toBe('mail.example.com')
    expect(normaliseEmailDomain('münchen.de')).toBe('xn--mnchen-3ya.de')
    expect(normaliseEmailDomain('com')).toBeNull()
    expect(normaliseEmailDomain('')).toBeNull()
  })
})
