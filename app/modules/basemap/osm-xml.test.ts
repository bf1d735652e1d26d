import sax from 'sax'
import { describe, expect, it } from 'vitest'
import { osmXml } from './osm-pbf-writer'

describe('osmXml', () => {
  it('escapes tag keys and values with the shared XML escaper, and a parser reads them back', () => {
    const name = `Carrer d'en "Bou" & <Fill>\u000c`
    const xml = osmXml(
      [
        { id: 1, lat: 41.5, lon: 2.1, tags: { name, 'addr:street': 'Major' } },
        { id: 2, lat: 41.6, lon: 2.2 },
      ],
      [{ id: 10, refs: [1, 2], tags: { highway: 'residential' } }],
    )
    expect(xml).toContain(`<tag k="name" v="Carrer d&apos;en &quot;Bou&quot; &amp; &lt;Fill&gt;"/>`)
    expect(xml).toContain('<node id="2" lat="41.6000000" lon="2.2000000"/>')
    const tags: Array<[string, string]> = []
    const parser = sax.parser(true)
    parser.onopentag = (node) => {
      if (node.name === 'tag') tags.push([String(node.attributes.k), String(node.attributes.v)])
    }
    parser.write(xml).close()
    // The form feed cannot be carried by XML 1.0: dropped, the rest kept.
    expect(tags).toEqual([
      ['name', `Carrer d'en "Bou" & <Fill>`],
      ['addr:street', 'Major'],
      ['highway', 'residential'],
    ])
  })
})
