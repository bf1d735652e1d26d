import { describe, expect, it } from 'vitest'
import { hashPassword, passwordProblem, verifyPassword } from './passwords.server'

describe('password rules', () => {
  it.each([
    ['short', 'tooShort'],
    ['123456789', 'tooShort'],
    ['qwertyuiop', 'common'],
    ['Password123', 'common'],
    ['1234567890', 'common'],
    ['motdepasse123', 'common'],
    ['x'.repeat(201), 'tooLong'],
  ])('refuses %s (%s)', (password, problem) => {
    expect(passwordProblem(password)).toBe(problem)
  })

  it('refuses the e-mail name or display name as the password', () => {
    expect(passwordProblem('annagarcia1', ['annagarcia'])).toBe('common')
  })

  it.each(['a long enough passphrase', 'correct horse battery', 'ñandú-sobre-el-río'])('accepts %s', (password) => {
    expect(passwordProblem(password, ['ana', 'Ana García'])).toBeNull()
  })

  it('counts characters, not bytes', () => {
    expect(passwordProblem('ñññññññññ')).toBe('tooShort')
    expect(passwordProblem('ññññññññññ')).toBeNull()
  })
})

describe('argon2id hashing', () => {
  it('verifies the right password only, with a per-hash salt', async () => {
    const a = await hashPassword('a long enough passphrase')
    const b = await hashPassword('a long enough passphrase')
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(a).not.toBe(b)
    expect(await verifyPassword(a, 'a long enough passphrase')).toBe(true)
    expect(await verifyPassword(a, 'a long enough passphrasE')).toBe(false)
    expect(await verifyPassword('not a hash', 'anything')).toBe(false)
  })
})
