import { describe, expect, it } from 'vitest'
import { deliveryMethodSchema, parseServiceCodes } from './schema'

describe('service code mapping', () => {
  it('reads "category = code" lines and names the first bad line', () => {
    expect(parseServiceCodes('pothole = PH01\n\n street-light=SL:2 ')).toEqual({ ok: true, codes: { pothole: 'PH01', 'street-light': 'SL:2' } })
    expect(parseServiceCodes('pothole = PH01\npothole PH02')).toEqual({ ok: false, line: 2 })
  })
})

describe('a body’s method', () => {
  const base = { departmentId: '3', serviceCodes: '' }
  it('needs an address for e-mail and an endpoint and key for Open311', () => {
    const email = deliveryMethodSchema.safeParse({ ...base, method: 'email' })
    expect(email.success).toBe(false)
    expect(email.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['email', 'delivery:errors.emailRequired']])
    const open311 = deliveryMethodSchema.safeParse({ ...base, method: 'open311', endpoint: 'ftp://x.example' })
    expect(open311.error?.issues.map((i) => i.message).sort()).toEqual(['delivery:errors.apiKeyRequired', 'delivery:errors.endpoint'])
    expect(deliveryMethodSchema.safeParse({ ...base, method: 'open311', endpoint: 'https://crm.example/open311/v2', apiKey: 'k' }).success).toBe(true)
    expect(deliveryMethodSchema.safeParse({ ...base, method: 'plaza', email: '' }).success).toBe(true)
  })
})
