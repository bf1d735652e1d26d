/**
 * `npm run basemap:glyphs`: the map's label glyphs (signed distance fields in MapLibre's glyph PBF
 * format) made from Noto Sans (SIL Open Font Licence 1.1, @fontsource/noto-sans) with
 * @mapbox/tiny-sdf on a Skia canvas (@napi-rs/canvas). The output is committed under
 * public/fonts/NotoSans-Regular/, so installing Plaza needs neither package: run this again only to
 * change the font or add Unicode ranges.
 */
import fs from 'node:fs'
import path from 'node:path'
import { createCanvas, GlobalFonts } from '@napi-rs/canvas'
import TinySDF from '@mapbox/tiny-sdf'
import Pbf from 'pbf'

const root = path.resolve(import.meta.dirname, '..')
const FONTSTACK = 'NotoSans-Regular'
const out = path.join(root, 'public', 'fonts', FONTSTACK)
const files = path.join(root, 'node_modules', '@fontsource', 'noto-sans', 'files')
const FAMILY = 'Plaza Noto Sans'
for (const subset of ['latin', 'latin-ext']) GlobalFonts.registerFromPath(path.join(files, `noto-sans-${subset}-400-normal.woff2`), FAMILY)

class NodeSDF extends TinySDF {
  _createCanvas(size: number) {
    return createCanvas(size, size) as unknown as HTMLCanvasElement
  }
}
// The sizes MapLibre's own glyph servers use: 24 px, a 3 px buffer, radius 8.
const sdf = new NodeSDF({ fontSize: 24, buffer: 3, radius: 8, cutoff: 0.25, fontFamily: FAMILY })

// Basic Latin, Latin-1, Latin Extended-A/B (Catalan ŀ, Spanish, French), IPA/spacing, Latin
// Extended Additional, punctuation (· – ’ “ ” …).
const RANGES = [0, 256, 512, 7680, 7936, 8192]

fs.mkdirSync(out, { recursive: true })
for (const start of RANGES) {
  const end = start + 255
  const pbf = new Pbf()
  pbf.writeMessage(
    1,
    () => {
      pbf.writeStringField(1, FONTSTACK)
      pbf.writeStringField(2, `${start}-${end}`)
      for (let id = start; id <= end; id++) {
        // Control characters and unassigned code points have no glyph.
        if (id < 32 || (id >= 127 && id < 160)) continue
        const char = String.fromCodePoint(id)
        const g = sdf.draw(char)
        if (g.glyphAdvance === 0) continue
        pbf.writeMessage(
          3,
          () => {
            pbf.writeVarintField(1, id)
            if (g.glyphWidth > 0 && g.glyphHeight > 0) pbf.writeBytesField(2, Uint8Array.from(g.data))
            pbf.writeVarintField(3, g.glyphWidth)
            pbf.writeVarintField(4, g.glyphHeight)
            pbf.writeSVarintField(5, g.glyphLeft)
            pbf.writeSVarintField(6, g.glyphTop - 27)
            pbf.writeVarintField(7, Math.round(g.glyphAdvance))
          },
          null,
        )
      }
    },
    null,
  )
  const file = path.join(out, `${start}-${end}.pbf`)
  fs.writeFileSync(file, pbf.finish())
  console.log(`${path.relative(root, file)}: ${fs.statSync(file).size} bytes`)
}
