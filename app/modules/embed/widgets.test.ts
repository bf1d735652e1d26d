import { describe, expect, it } from 'vitest'
import { DEFAULT_HEIGHTS, iframeSnippet } from './widgets'

describe('the plain iframe snippet', () => {
  it('is tall enough for a petition or proposal card at phone width (issue 18: 300 px cut it off)', () => {
    const petition = iframeSnippet({ kind: 'petition', id: 12 }, 'https://plaza.example', 'Petition: x')
    expect(petition).toContain(`height="${DEFAULT_HEIGHTS.petition}"`)
    expect(DEFAULT_HEIGHTS.petition).toBeGreaterThanOrEqual(440)
    expect(DEFAULT_HEIGHTS.proposal).toBeGreaterThanOrEqual(420)
  })

  it('keeps a height the embedder asks for', () => {
    expect(iframeSnippet({ kind: 'petition', id: 12 }, 'https://plaza.example', 'P', { width: 320, height: 200 })).toContain('width="320" height="200"')
  })
})
