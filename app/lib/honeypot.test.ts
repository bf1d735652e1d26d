import { describe, expect, it } from 'vitest'
import { HONEYPOT_FIELD, isHoneypotFilled } from './honeypot'

describe('honeypot', () => {
  it('passes a person, who leaves the hidden field empty', () => {
    const form = new FormData()
    form.set('title', 'Broken street light')
    form.set(HONEYPOT_FIELD, '')
    expect(isHoneypotFilled(form)).toBe(false)
    expect(isHoneypotFilled({ title: 'x' })).toBe(false)
  })

  it('catches a bot that fills every field', () => {
    const form = new FormData()
    form.set(HONEYPOT_FIELD, 'http://spam.example')
    expect(isHoneypotFilled(form)).toBe(true)
    expect(isHoneypotFilled({ [HONEYPOT_FIELD]: ' x ' })).toBe(true)
  })
})
