import { domainToASCII } from 'node:url'

// "One signature per e-mail per petition" compares these keys, not what the person typed: the
// address stored for sending mail stays as typed, the key only decides what counts as the same box.
//
// Rules are deliberately few. A wrong merge refuses a real person's signature; a missed merge only
// lets someone who owns one mailbox sign twice, which confirmation and the IP limits still bound.
// So a provider is listed only where its behaviour is documented and long-standing:
//
// - Gmail: dots in the local part are ignored ("john.smith" = "johnsmith") and "+anything" is
//   delivered to the same box; googlemail.com is the same service as gmail.com (the name used in
//   Germany and the UK until 2010–2012), so both map to gmail.com.
// - Outlook.com (outlook.com, hotmail.com, live.com, msn.com): "+anything" is delivered to the same
//   box. Dots are significant there, and the domains are distinct mailboxes (john@hotmail.com is
//   not john@outlook.com), so only the tag is removed and the domain kept.
//
// Left alone on purpose:
// - Yahoo: its disposable addresses are "basename-keyword", where basename is a second name the
//   person chose, not the account name, and hyphens are legal in ordinary local parts; stripping
//   "-…" would merge strangers.
// - Google Workspace and every other custom domain: we cannot tell from the name who hosts it.
// - Other providers with plus-addressing (Fastmail, iCloud, Proton, …): plausible but not listed
//   until someone checks their current documentation; add them to PROVIDERS with a source.

interface ProviderRule {
  /** the domain the key uses */
  canonical: string
  /** remove "+tag" from the local part */
  plusTag: boolean
  /** remove every "." from the local part */
  ignoreDots: boolean
}

const GMAIL: ProviderRule = { canonical: 'gmail.com', plusTag: true, ignoreDots: true }

const PROVIDERS: ReadonlyMap<string, ProviderRule> = new Map([
  ['gmail.com', GMAIL],
  ['googlemail.com', GMAIL],
  ['outlook.com', { canonical: 'outlook.com', plusTag: true, ignoreDots: false }],
  ['hotmail.com', { canonical: 'hotmail.com', plusTag: true, ignoreDots: false }],
  ['live.com', { canonical: 'live.com', plusTag: true, ignoreDots: false }],
  ['msn.com', { canonical: 'msn.com', plusTag: true, ignoreDots: false }],
])

// RFC 5321 §4.5.3.1: 64 octets of local part, 254 for the whole path without the angle brackets.
const MAX_LOCAL = 64
const MAX_ADDRESS = 254
const MAX_DOMAIN = 253

// RFC 5322 atext, plus any non-ASCII character (RFC 6531 allows UTF-8 local parts). Quoted local
// parts ("a b"@x) are legal but no one signs a petition with one; refusing them keeps "@" unique.
const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+$/
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

function validLocalPart(local: string): boolean {
  if (local.length === 0 || new TextEncoder().encode(local).length > MAX_LOCAL) return false
  // dot-atom: no leading, trailing or doubled dot
  return local.split('.').every((atom) => ATEXT.test(atom))
}

/**
 * The ASCII (punycode) form of an e-mail domain, lower-cased, or null when it is not a host name
 * mail can be delivered to: at least two labels, letters/digits/hyphens, a non-numeric top level.
 * IP literals ("[1.2.3.4]") are refused: no person's mailbox lives there.
 */
export function normaliseEmailDomain(domain: string): string | null {
  const trimmed = domain.trim().replace(/\.$/, '')
  if (trimmed.length === 0) return null
  const ascii = domainToASCII(trimmed.toLowerCase())
  if (ascii === '' || ascii.length > MAX_DOMAIN) return null
  const labels = ascii.split('.')
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return null
  return ascii
}

/**
 * The key under which a signature's e-mail is unique per petition, or null when the address is
 * not a valid one. Trims, lower-cases (local parts are case-sensitive in theory, in no mailbox
 * provider in practice), converts an international domain to ASCII and applies the provider rules
 * above.
 */
export function normaliseSignatureEmail(address: string): string | null {
  const trimmed = address.trim()
  if (trimmed.length === 0 || trimmed.length > MAX_ADDRESS) return null
  if (/[\s\u0000-\u001f\u007f]/.test(trimmed)) return null
  const at = trimmed.indexOf('@')
  if (at <= 0 || at !== trimmed.lastIndexOf('@')) return null

  let local = trimmed.slice(0, at).toLowerCase()
  const domain = normaliseEmailDomain(trimmed.slice(at + 1))
  if (domain === null || !validLocalPart(local)) return null
  if (local.length + 1 + domain.length > MAX_ADDRESS) return null

  const rule = PROVIDERS.get(domain)
  if (rule === undefined) return `${local}@${domain}`
  if (rule.plusTag) {
    const plus = local.indexOf('+')
    if (plus !== -1) local = local.slice(0, plus)
  }
  if (rule.ignoreDots) local = local.replaceAll('.', '')
  // "+tag@gmail.com" or ".+x@gmail.com" leaves no mailbox name at all
  if (local.length === 0) return null
  return `${local}@${rule.canonical}`
}

/** The domain part of a normalised key, for the domain allow and block lists. */
export function signatureEmailDomain(normalised: string): string {
  return normalised.slice(normalised.lastIndexOf('@') + 1)
}
