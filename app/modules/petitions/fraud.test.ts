import { describe, expect, it } from 'vitest'
import { DEFAULT_SIGNATURE_LIMITS, decideSignature, normaliseIp, parseDomainList, parseIpList, parseSignatureLists, rateLimitKey, type SignatureContext } from './fraud'

describe('normaliseIp and rateLimitKey', () => {
  it('turns IPv4-mapped IPv6 into IPv4 in both notations', () => {
    expect(normaliseIp('::ffff:192.0.2.7')).toEqual({ address: '192.0.2.7', family: 'ipv4' })
    expect(normaliseIp('::FFFF:c000:0207')).toEqual({ address: '192.0.2.7', family: 'ipv4' })
    expect(normaliseIp('0:0:0:0:0:ffff:c000:207')).toEqual({ address: '192.0.2.7', family: 'ipv4' })
  })

  it('keeps other IPv6, drops zones and refuses garbage', () => {
    expect(normaliseIp('2001:DB8::1')).toEqual({ address: '2001:db8::1', family: 'ipv6' })
    expect(normaliseIp('fe80::1%eth0')).toEqual({ address: 'fe80::1', family: 'ipv6' })
    expect(normaliseIp('::1')).toEqual({ address: '::1', family: 'ipv6' })
    expect(normaliseIp('not an ip')).toBeNull()
    expect(normaliseIp('256.1.1.1')).toBeNull()
    expect(normaliseIp('')).toBeNull()
  })

  it('counts IPv4 per address and IPv6 per /64', () => {
    expect(rateLimitKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(rateLimitKey('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa:bb::/64')
    expect(rateLimitKey('2001:db8:aa:bb::ffff')).toBe('2001:db8:aa:bb::/64')
    expect(rateLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(rateLimitKey('nope')).toBeNull()
  })
})

describe('parseIpList', () => {
  it('matches addresses, CIDR ranges and from-to ranges of both families', () => {
    const { list, invalid } = parseIpList(`
      # a comment line
      192.0.2.7
      198.51.100.0/24   # hosting provider
      203.0.113.10 - 203.0.113.20
      2001:db8:1::/48
      2001:db8:ffff::42
    `)
    expect(invalid).toEqual([])
    expect(list.entries).toHaveLength(5)
    expect(list.has('192.0.2.7')).toBe(true)
    expect(list.has('192.0.2.8')).toBe(false)
    expect(list.has('198.51.100.255')).toBe(true)
    expect(list.has('198.51.101.0')).toBe(false)
    expect(list.has('203.0.113.15')).toBe(true)
    expect(list.has('203.0.113.21')).toBe(false)
    expect(list.has('2001:db8:1:abcd::9')).toBe(true)
    expect(list.has('2001:db8:2::9')).toBe(false)
    expect(list.has('2001:DB8:FFFF:0::42')).toBe(true)
    expect(list.has('garbage')).toBe(false)
  })

  it('matches IPv4-mapped IPv6 clients against IPv4 entries and the other way round', () => {
    const { list } = parseIpList(['198.51.100.0/24', '::ffff:192.0.2.7', '::ffff:10.0.0.0/104'])
    expect(list.has('::ffff:198.51.100.9')).toBe(true)
    expect(list.has('::ffff:c633:6409')).toBe(true)
    expect(list.has('192.0.2.7')).toBe(true)
    expect(list.has('10.200.1.1')).toBe(true)
    expect(list.has('::ffff:10.200.1.1')).toBe(true)
    expect(list.has('11.0.0.1')).toBe(false)
  })

  it('accepts comma-separated text and reports entries it cannot read', () => {
    const { list, invalid } = parseIpList('192.0.2.1, 10.0.0.0/33, 2001:db8::/129, 1.2.3.4/x, 10.0.0.9 - 10.0.0.1, 1.2.3.4 - ::1, hello')
    expect(list.entries).toEqual(['192.0.2.1'])
    expect(invalid).toEqual(['10.0.0.0/33', '2001:db8::/129', '1.2.3.4/x', '10.0.0.9 - 10.0.0.1', '1.2.3.4 - ::1', 'hello'])
  })

  it('lets an IPv6 range that spans ::ffff:0:0/96 cover IPv4 too, but never an IPv4 range cover IPv6', () => {
    expect(parseIpList(['::/0']).list.has('192.0.2.1')).toBe(true)
    expect(parseIpList(['2001:db8::/32']).list.has('192.0.2.1')).toBe(false)
    expect(parseIpList(['0.0.0.0/0']).list.has('2001:db8::1')).toBe(false)
  })
})

describe('parseDomainList', () => {
  it('matches the domain and its subdomains, never look-alikes', () => {
    const { list, invalid } = parseDomainList(['spam.example', '@Throwaway.test', '*.burner.org', '.bücher.example', 'not a domain'])
    expect(invalid).toEqual(['not a domain'])
    expect(list.has('spam.example')).toBe(true)
    expect(list.has('mx.SPAM.example')).toBe(true)
    expect(list.has('notspam.example')).toBe(false)
    expect(list.has('example')).toBe(false)
    expect(list.has('throwaway.test')).toBe(true)
    expect(list.has('a.b.burner.org')).toBe(true)
    expect(list.has('burner.org')).toBe(true)
    expect(list.has('Bücher.example')).toBe(true)
    expect(list.has('xn--bcher-kva.example')).toBe(true)
    expect(list.has('')).toBe(false)
  })
})

describe('decideSignature', () => {
  const { lists, invalid } = parseSignatureLists({
    blockIps: ['198.51.100.0/24', '2001:db8:bad::/48'],
    allowIps: '192.0.2.10\n2001:db8:600d::/48\n198.51.100.50',
    blockDomains: ['spam.example'],
    allowDomains: ['council.example'],
  })
  const calm = { ipBurst: 0, ipSustained: 0 }
  const context = (over: Partial<SignatureContext>): SignatureContext => ({
    ip: '203.0.113.5',
    emailDomain: 'example.com',
    lists,
    recentCounts: calm,
    ...over,
  })

  it('parsed every list entry', () => {
    expect(invalid).toEqual([])
  })

  it('accepts an ordinary signature', () => {
    expect(decideSignature(context({}))).toEqual({ decision: 'accept', reason: 'ok' })
  })

  it('blocks blocked IPs, including IPv6 ranges and IPv4-mapped clients', () => {
    expect(decideSignature(context({ ip: '198.51.100.7' }))).toEqual({ decision: 'block', reason: 'ip-blocked' })
    expect(decideSignature(context({ ip: '::ffff:198.51.100.7' }))).toEqual({ decision: 'block', reason: 'ip-blocked' })
    expect(decideSignature(context({ ip: '2001:db8:bad:1::1' }))).toEqual({ decision: 'block', reason: 'ip-blocked' })
  })

  it('blocks blocked domains and their subdomains', () => {
    expect(decideSignature(context({ emailDomain: 'mail.spam.example' }))).toEqual({ decision: 'block', reason: 'domain-blocked' })
  })

  it('lets a block win over an allow entry', () => {
    expect(decideSignature(context({ ip: '198.51.100.50' }))).toEqual({ decision: 'block', reason: 'ip-blocked' })
    expect(decideSignature(context({ ip: '192.0.2.10', emailDomain: 'spam.example' }))).toEqual({ decision: 'block', reason: 'domain-blocked' })
  })

  it('accepts allow-listed IPs and domains whatever the rate', () => {
    const flood = { ipBurst: 5000, ipSustained: 50000 }
    expect(decideSignature(context({ ip: '192.0.2.10', recentCounts: flood }))).toEqual({ decision: 'accept', reason: 'ip-allowed' })
    expect(decideSignature(context({ ip: '::ffff:192.0.2.10', recentCounts: flood }))).toEqual({ decision: 'accept', reason: 'ip-allowed' })
    expect(decideSignature(context({ ip: '2001:db8:600d:7::1', recentCounts: flood }))).toEqual({ decision: 'accept', reason: 'ip-allowed' })
    expect(decideSignature(context({ emailDomain: 'staff.council.example', recentCounts: flood }))).toEqual({ decision: 'accept', reason: 'domain-allowed' })
  })

  it('holds past the burst limit: the counts exclude this signature', () => {
    const { burst } = DEFAULT_SIGNATURE_LIMITS
    expect(decideSignature(context({ recentCounts: { ipBurst: burst - 1, ipSustained: burst - 1 } })).decision).toBe('accept')
    expect(decideSignature(context({ recentCounts: { ipBurst: burst, ipSustained: burst } }))).toEqual({ decision: 'hold', reason: 'ip-burst' })
  })

  it('holds past the sustained limit', () => {
    const { sustained } = DEFAULT_SIGNATURE_LIMITS
    expect(decideSignature(context({ recentCounts: { ipBurst: 0, ipSustained: sustained - 1 } })).decision).toBe('accept')
    expect(decideSignature(context({ recentCounts: { ipBurst: 0, ipSustained: sustained } }))).toEqual({ decision: 'hold', reason: 'ip-sustained' })
  })

  it('uses the limits it is given', () => {
    const limits = { burst: 2, burstSeconds: 60, sustained: 3, sustainedSeconds: 3600 }
    expect(decideSignature(context({ limits, recentCounts: { ipBurst: 2, ipSustained: 2 } }))).toEqual({ decision: 'hold', reason: 'ip-burst' })
    expect(decideSignature(context({ limits, recentCounts: { ipBurst: 1, ipSustained: 3 } }))).toEqual({ decision: 'hold', reason: 'ip-sustained' })
    expect(decideSignature(context({ limits, recentCounts: { ipBurst: 1, ipSustained: 2 } }))).toEqual({ decision: 'accept', reason: 'ok' })
  })

  it('holds a signature whose IP is unknown unless it is allow-listed by domain', () => {
    expect(decideSignature(context({ ip: null }))).toEqual({ decision: 'hold', reason: 'ip-unknown' })
    expect(decideSignature(context({ ip: 'garbage' }))).toEqual({ decision: 'hold', reason: 'ip-unknown' })
    expect(decideSignature(context({ ip: null, emailDomain: 'council.example' }))).toEqual({ decision: 'accept', reason: 'domain-allowed' })
    expect(decideSignature(context({ ip: null, emailDomain: 'spam.example' }))).toEqual({ decision: 'block', reason: 'domain-blocked' })
  })

  it('holds IPv6 floods the same way', () => {
    expect(decideSignature(context({ ip: '2001:db8:1::1', recentCounts: { ipBurst: 10, ipSustained: 10 } }))).toEqual({ decision: 'hold', reason: 'ip-burst' })
  })
})
