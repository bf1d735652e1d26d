import { createElement } from 'react'
import { renderToString } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { escapeHtml } from './html'

describe('escapeHtml', () => {
  it('escapes text and attribute values exactly as React writes them', () => {
    const samples = ['', 'plain', 'a & b', '<script>alert("x")</script>', "l'eau", 'x"y', '&amp;', '«Ça» 🚲 – ñ', '\u0001\u00a0 line\nbreak', '>>><<<', 12345]
    for (const value of samples) {
      const text = String(value)
      // React writes the text of an element and the value of an attribute with the same escaper.
      expect(renderToString(createElement('b', null, text))).toBe(text === '' ? '<b></b>' : `<b>${escapeHtml(value)}</b>`)
      expect(renderToString(createElement('b', { title: text }))).toBe(`<b title="${escapeHtml(value)}"></b>`)
    }
  })

  it('leaves values without special characters as they are', () => {
    expect(escapeHtml('2026-12-07T20:39:37.889Z')).toBe('2026-12-07T20:39:37.889Z')
    expect(escapeHtml(42)).toBe('42')
  })
})
