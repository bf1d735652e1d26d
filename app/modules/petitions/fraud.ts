import { BlockList, isIP } from 'node:net'
import { normaliseEmailDomain } from './email'

// The defences the UK Parliament petitions site learned: per-IP limits per petition, allow and
// block lists for IPs and e-mail domains, and "hold" rather than refuse when a limit is passed —
// a held signature is stored with its reason and counted only once staff have reviewed it, so a
// whole office behind one address is never silently lost.

export type SignatureDecision = 'accept' | 'hold' | 'block'

export type SignatureReason = 'ip-blocked' | 'domain-blocked' | 'ip-allowed' | 'domain-allowed' | 'ip-unknown' | 'ip-burst' | 'ip-sustained' | 'ok'

export interface SignatureLimits {
  /** earlier signatures from one IP to one petition in the last `burstSeconds` that still count */
  burst: number
  burstSeconds: number
  /** the same over the last `sustainedSeconds` */
  sustained: number
  sustainedSeconds: number
}

// 10 a minute lets a family or a classroom sign together; 100 an hour lets a library or a small
// office behind one NAT address sign through a day, while a script from one address is held after
// a few seconds. Both are per petition, so a busy address signing many petitions is unaffected.
export const DEFAULT_SIGNATURE_LIMITS: Readonly<SignatureLimits> = Object.freeze({
  burst: 10,
  burstSeconds: 60,
  sustained: 100,
  sustainedSeconds: 3600,
})

/** A set of IPv4/IPv6 addresses, CIDR ranges and "from - to" ranges. */
export interface IpList {
  readonly entries: readonly string[]
  has(ip: string): boolean
}

/** A set of e-mail domains; an entry also matches its subdomains. */
export interface DomainList {
  readonly entries: readonly string[]
  has(domain: string): boolean
}

export interface SignatureLists {
  allowIps: IpList
  blockIps: IpList
  allowDomains: DomainList
  blockDomains: DomainList
}

type Family = 'ipv4' | 'ipv6'

/** Expands an IPv6 address (as accepted by net.isIP) to eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  let text = address
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    // dotted IPv4 tail: "::ffff:1.2.3.4"
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number]
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined]
  const left = head === '' ? [] : head.split(':')
  const right = rest === undefined || rest === '' ? [] : rest.split(':')
  const missing = rest === undefined ? 0 : 8 - left.length - right.length
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => parseInt(g, 16))
}

/** "::ffff:a.b.c.d" (in either notation) → "a.b.c.d"; null for any other IPv6 address. */
function mappedIpv4(address: string): string | null {
  const g = ipv6Groups(address)
  if (!g.slice(0, 5).every((x) => x === 0) || g[5] !== 0xffff) return null
  const hi = g[6]!
  const lo = g[7]!
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
}

/**
 * An IP address in the form lists and rate-limit counts use: IPv4-mapped IPv6 addresses (what a
 * dual-stack socket reports for IPv4 clients) become plain IPv4, IPv6 is lower-cased and a zone
 * ("%eth0") is dropped. Null when it is not an address.
 */
export function normaliseIp(ip: string): { address: string; family: Family } | null {
  const text = ip.trim().replace(/%.*$/, '').toLowerCase()
  const version = isIP(text)
  if (version === 4) return { address: text, family: 'ipv4' }
  if (version !== 6) return null
  const v4 = mappedIpv4(text)
  return v4 === null ? { address: text, family: 'ipv6' } : { address: v4, family: 'ipv4' }
}

/**
 * The key per-IP counts are kept under. An IPv6 subscriber is normally given a whole /64, so one
 * person can change the low 64 bits at will; counting per /64 keeps them from escaping the limits.
 */
export function rateLimitKey(ip: string): string | null {
  const parsed = normaliseIp(ip)
  if (parsed === null) return null
  if (parsed.family === 'ipv4') return parsed.address
  const g = ipv6Groups(parsed.address)
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`
}

function addIpEntry(list: BlockList, entry: string): boolean {
  const dash = entry.indexOf('-')
  if (dash !== -1) {
    const from = normaliseIp(entry.slice(0, dash))
    const to = normaliseIp(entry.slice(dash + 1))
    if (from === null || to === null || from.family !== to.family) return false
    try {
      list.addRange(from.address, to.address, from.family)
    } catch {
      return false // from > to
    }
    return true
  }
  const slash = entry.indexOf('/')
  if (slash === -1) {
    const ip = normaliseIp(entry)
    if (ip === null) return false
    list.addAddress(ip.address, ip.family)
    return true
  }
  const prefixText = entry.slice(slash + 1).trim()
  if (!/^[0-9]{1,3}$/.test(prefixText)) return false
  let prefix = Number(prefixText)
  const text = entry.slice(0, slash).trim().toLowerCase()
  const version = isIP(text)
  if (version === 4) {
    if (prefix > 32) return false
    list.addSubnet(text, prefix, 'ipv4')
    return true
  }
  if (version !== 6 || prefix > 128) return false
  // "::ffff:10.0.0.0/104" is the IPv4 range 10.0.0.0/8; addresses are checked as IPv4 once mapped
  const v4 = mappedIpv4(text)
  if (v4 !== null && prefix >= 96) {
    prefix -= 96
    list.addSubnet(v4, prefix, 'ipv4')
    return true
  }
  list.addSubnet(text, prefix, 'ipv6')
  return true
}

function entriesOf(input: string | readonly string[]): string[] {
  const lines = typeof input === 'string' ? input.split(/[\n,]/) : input
  return lines.map((line) => line.replace(/#.*$/, '').trim()).filter((line) => line !== '')
}

/**
 * Parses an IP list as staff type it: one entry a line (or comma-separated, or an array), "#"
 * starts a comment. Entries: an address ("192.0.2.7", "2001:db8::1", "::ffff:192.0.2.7"), a CIDR
 * range ("192.0.2.0/24", "2001:db8::/32") or "from - to". Entries that do not parse are returned
 * in `invalid` so the form can show them; they never widen or narrow the list.
 */
export function parseIpList(input: string | readonly string[]): { list: IpList; invalid: string[] } {
  const blockList = new BlockList()
  const entries: string[] = []
  const invalid: string[] = []
  for (const entry of entriesOf(input)) {
    if (addIpEntry(blockList, entry)) entries.push(entry)
    else invalid.push(entry)
  }
  return {
    list: {
      entries,
      has(ip) {
        const parsed = normaliseIp(ip)
        return parsed !== null && blockList.check(parsed.address, parsed.family)
      },
    },
    invalid,
  }
}

/**
 * Parses a domain list: "example.com" (also "@example.com", "*.example.com" or ".example.com")
 * matches example.com and every subdomain (mail.example.com), never a look-alike
 * (badexample.com). International names are compared in their ASCII form.
 */
export function parseDomainList(input: string | readonly string[]): { list: DomainList; invalid: string[] } {
  const domains = new Set<string>()
  const entries: string[] = []
  const invalid: string[] = []
  for (const entry of entriesOf(input)) {
    const domain = normaliseEmailDomain(entry.replace(/^(@|\*\.|\.)/, ''))
    if (domain === null) {
      invalid.push(entry)
      continue
    }
    domains.add(domain)
    entries.push(entry)
  }
  return {
    list: {
      entries,
      has(candidate) {
        const domain = normaliseEmailDomain(candidate)
        if (domain === null) return false
        const labels = domain.split('.')
        for (let i = 0; i < labels.length - 1; i++) {
          if (domains.has(labels.slice(i).join('.'))) return true
        }
        return false
      },
    },
    invalid,
  }
}

export interface SignatureListsInput {
  allowIps?: string | readonly string[]
  blockIps?: string | readonly string[]
  allowDomains?: string | readonly string[]
  blockDomains?: string | readonly string[]
}

/** All four lists at once; `invalid` names the list each bad entry came from. */
export function parseSignatureLists(input: SignatureListsInput): {
  lists: SignatureLists
  invalid: { list: keyof SignatureLists; entry: string }[]
} {
  const invalid: { list: keyof SignatureLists; entry: string }[] = []
  const ips = (name: 'allowIps' | 'blockIps') => {
    const parsed = parseIpList(input[name] ?? [])
    for (const entry of parsed.invalid) invalid.push({ list: name, entry })
    return parsed.list
  }
  const domains = (name: 'allowDomains' | 'blockDomains') => {
    const parsed = parseDomainList(input[name] ?? [])
    for (const entry of parsed.invalid) invalid.push({ list: name, entry })
    return parsed.list
  }
  return {
    lists: {
      allowIps: ips('allowIps'),
      blockIps: ips('blockIps'),
      allowDomains: domains('allowDomains'),
      blockDomains: domains('blockDomains'),
    },
    invalid,
  }
}

export interface SignatureContext {
  /** the client address as the server saw it; null when it could not be determined */
  ip: string | null
  /** the domain of the e-mail (the normalised key's domain is best) */
  emailDomain: string
  lists: SignatureLists
  /**
   * Signatures already recorded for this petition under `rateLimitKey(ip)`, not counting this
   * one, in the last `burstSeconds` and `sustainedSeconds`.
   */
  recentCounts: { ipBurst: number; ipSustained: number }
  limits?: SignatureLimits
}

/**
 * What to do with one signature. In order:
 * 1. a blocked IP or domain → block. A block is a deliberate act against abuse; an allow entry is
 *    an exemption from rate limits, not from blocks, so to let an address inside a blocked range
 *    through, narrow the block.
 * 2. an allow-listed IP or domain → accept, whatever the rate (a council office, a school).
 * 3. no usable IP → hold: we cannot rate-limit it, so a person reviews it.
 * 4. this signature would be past the burst or the sustained limit → hold.
 * 5. otherwise accept.
 * "hold" keeps the signature, stored with its reason, out of the count until staff review it;
 * "block" is stored too, with its reason — nothing is silently dropped.
 */
export function decideSignature(context: SignatureContext): {
  decision: SignatureDecision
  reason: SignatureReason
} {
  const { ip, emailDomain, lists, recentCounts } = context
  const limits = context.limits ?? DEFAULT_SIGNATURE_LIMITS
  const address = ip === null ? null : normaliseIp(ip)

  if (address !== null && lists.blockIps.has(address.address)) return { decision: 'block', reason: 'ip-blocked' }
  if (lists.blockDomains.has(emailDomain)) return { decision: 'block', reason: 'domain-blocked' }
  if (address !== null && lists.allowIps.has(address.address)) return { decision: 'accept', reason: 'ip-allowed' }
  if (lists.allowDomains.has(emailDomain)) return { decision: 'accept', reason: 'domain-allowed' }
  if (address === null) return { decision: 'hold', reason: 'ip-unknown' }
  // the counts exclude this signature: with a burst of 10, the 11th in the window is held
  if (recentCounts.ipBurst >= limits.burst) return { decision: 'hold', reason: 'ip-burst' }
  if (recentCounts.ipSustained >= limits.sustained) return { decision: 'hold', reason: 'ip-sustained' }
  return { decision: 'accept', reason: 'ok' }
}
