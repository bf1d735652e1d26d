import { describe, expect, it } from 'vitest'
import { countLinks, renderMarkdown } from './markdown.server'

/** A corpus of hostile input: whatever comes out must be inert. */
const hostile = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<svg onload=alert(1)><circle r=1 /></svg>',
  '<svg><script>alert(1)</script></svg>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](  javascript:alert(1))',
  '[click](java\tscript:alert(1))',
  '[click](&#106;avascript:alert(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![x](javascript:alert(1))',
  '![x](data:image/svg+xml,<svg onload=alert(1)>)',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="//evil.example/x">protocol relative</a>',
  '<iframe src="https://evil.example"></iframe>',
  '<object data="x.swf"></object><embed src="x.swf">',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<p onclick="alert(1)">click</p>',
  '<form action="https://evil.example"><input name=x><button>go</button></form>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<<script>script>alert(1)<</script>/script>',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<img src="x" alt="`"><script>alert(1)</script>">',
  '<style>body{display:none}</style>',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<base href="https://evil.example/">',
  '<details open ontoggle=alert(1)>',
  '<a href="https://ok.example" onmouseover="alert(1)">hover</a>',
  '`<script>alert(1)</script>`',
  '```html\n<script>alert(1)</script>\n```',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<template><script>alert(1)</script></template>',
  '<a href="vbscript:msgbox(1)">vb</a>',
  '<a href="https://ok.example" target="_blank">new tab</a>',
]

describe('renderMarkdown', () => {
  it.each(hostile)('renders %j inert', (input) => {
    const html = renderMarkdown(input)
    expect(html).not.toMatch(/<(script|iframe|object|embed|svg|math|style|form|input|button|meta|base|img|details|template|noscript)\b/i)
    expect(html).not.toMatch(/\son\w+\s*=/i)
    expect(html).not.toMatch(/href="\s*(javascript|vbscript|data):/i)
    expect(html).not.toMatch(/href="\/\//)
    expect(html).not.toMatch(/style=/i)
    expect(html).not.toMatch(/target=/i)
    // Every surviving link is marked as user content.
    for (const a of html.match(/<a [^>]*>/g) ?? []) expect(a).toContain('rel="nofollow ugc noopener"')
  })

  it('keeps ordinary Markdown', () => {
    const html = renderMarkdown('**Fix** the *lamp* on [Carrer Major](https://valmera.example/map).\n\n- one\n- two\n\n> quoted\n\n`code`')
    expect(html).toContain('<strong>Fix</strong>')
    expect(html).toContain('<em>lamp</em>')
    expect(html).toContain('<a href="https://valmera.example/map" rel="nofollow ugc noopener">Carrer Major</a>')
    expect(html).toContain('<ul>')
    expect(html).toContain('<blockquote>')
    expect(html).toContain('<code>code</code>')
  })

  it('shows code as text, never as markup', () => {
    expect(renderMarkdown('`<b>bold</b>`')).toBe('<p><code>&lt;b&gt;bold&lt;/b&gt;</code></p>')
  })

  it('turns images into links and headings into small headings', () => {
    expect(renderMarkdown('![a lamp](https://valmera.example/lamp.jpg)')).toContain('<a href="https://valmera.example/lamp.jpg" rel="nofollow ugc noopener">a lamp</a>')
    expect(renderMarkdown('# Big')).toBe('<h3>Big</h3>')
  })

  it('counts links', () => {
    expect(countLinks('see https://a.example and [b](https://b.example)')).toBe(2)
    expect(countLinks('no links here')).toBe(0)
  })
})
