import { describe, expect, it } from 'vitest'
import { linkify } from './linkify'

describe('linkify', () => {
  it('turns http(s) addresses into links and keeps the text around them', () => {
    expect(linkify('Confirm: https://plaza.example.org/confirm/abc?x=1&y=2. Thanks!')).toEqual([{ text: 'Confirm: ' }, { url: 'https://plaza.example.org/confirm/abc?x=1&y=2' }, { text: '. Thanks!' }])
  })

  it('finds several links, one per line, with nothing lost', () => {
    const text = 'a http://x.example/1\nb https://y.example/2,\n(see https://en.wikipedia.org/wiki/Plaza_(square))'
    const pieces = linkify(text)
    expect(pieces.filter((p) => 'url' in p)).toEqual([{ url: 'http://x.example/1' }, { url: 'https://y.example/2' }, { url: 'https://en.wikipedia.org/wiki/Plaza_(square)' }])
    expect(pieces.map((p) => ('url' in p ? p.url : p.text)).join('')).toBe(text)
  })

  it('never makes a link of another scheme or of markup', () => {
    expect(linkify('javascript:alert(1) data:text/html,x <a href="https://e.example">')).toEqual([
      { text: 'javascript:alert(1) data:text/html,x <a href="' },
      { url: 'https://e.example' },
      { text: '">' },
    ])
    expect(linkify('just https:// and nothing')).toEqual([{ text: 'just https:// and nothing' }])
    expect(linkify('')).toEqual([])
  })
})
