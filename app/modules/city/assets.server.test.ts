import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { MAX_ASSET_BYTES, prepareAsset, sanitizeSvg } from './assets.server'

describe('SVG logos are rebuilt from an allow-list', () => {
  it('keeps the drawing and drops scripts, event handlers, links, external images and foreign content', () => {
    const svg = `<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY boom "boom">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 20 20" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css);</style>
  <foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml"><iframe src="https://evil.example"></iframe></div></foreignObject>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#0b5c8a"/></linearGradient></defs>
  <a xlink:href="javascript:alert(3)"><circle cx="10" cy="10" r="5" fill="url(#g)" onclick="steal()"/></a>
  <rect width="4" height="4" fill="url(https://evil.example/track)"/>
  <image href="https://evil.example/pixel.png" width="1" height="1"/>
  <use href="data:image/svg+xml;base64,PHN2Zy8+"/>
  <set attributeName="onload" to="alert(4)"/>
</svg>`
    const clean = sanitizeSvg(svg)!
    expect(clean).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 20 20">/)
    expect(clean).toContain('<circle cx="10" cy="10" r="5" fill="url(#g)">')
    expect(clean).toContain('<linearGradient id="g">')
    for (const bad of ['script', 'alert', 'onload', 'onclick', 'evil.example', 'foreignObject', 'iframe', '<image', '<use', '<a', 'javascript', 'ENTITY', '@import', 'data:']) {
      expect(clean).not.toContain(bad)
    }
    expect(clean).toContain('<rect width="4" height="4">')
  })

  it('refuses a file with nothing left to draw, and one that is not SVG at all', async () => {
    expect(sanitizeSvg('<html><body>hello</body></html>')).toBeNull()
    expect(await prepareAsset('logo', Buffer.from('<svg><script>alert(1)</script>'))).toEqual({ ok: false, problem: 'emptySvg' })
    expect(await prepareAsset('logo', Buffer.from('GIF89a but not really'))).toEqual({ ok: false, problem: 'notImage' })
    expect(await prepareAsset('logo', Buffer.alloc(MAX_ASSET_BYTES + 1))).toEqual({ ok: false, problem: 'tooLarge' })
  })
})

describe('raster images are re-encoded', () => {
  it('turns a JPEG logo into a PNG at most 512 px wide, and a favicon into a 64 px square, dropping metadata', async () => {
    const jpeg = await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#0b5c8a' } })
      .withMetadata({ exif: { IFD0: { Copyright: 'secret-owner' } } })
      .jpeg()
      .toBuffer()
    const logo = await prepareAsset('logo', jpeg)
    expect(logo.ok && logo.contentType).toBe('image/png')
    const meta = await sharp(logo.ok ? logo.body : Buffer.alloc(0)).metadata()
    expect([meta.format, meta.width, meta.height, meta.exif]).toEqual(['png', 512, 256, undefined])
    const favicon = await prepareAsset('favicon', jpeg)
    const fmeta = await sharp(favicon.ok ? favicon.body : Buffer.alloc(0)).metadata()
    expect([fmeta.width, fmeta.height]).toEqual([64, 64])
    expect(logo.ok && logo.etag).toMatch(/^"[0-9a-f]{20}"$/)
  })
})
