import { renderToPipeableStream } from 'react-dom/server'
import { Link } from '@remix-run/react'
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from 'react-router-dom/server'
import { I18nextProvider, useTranslation } from 'react-i18next'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { i18nInstance } from '../../../lib/i18n.server'
import type { Locale } from '../../../lib/i18n'
import { useNames } from '../../../components/useNames'
import { formatters } from '../../../lib/format'
import { localize } from '../../../lib/localized'
import { proposalCardHtml, StateBadge, type CardData } from './ProposalParts'

/**
 * The list of /proposals writes its cards as text (ADR 159). ReactCard is the component they replaced,
 * rendered as the page renders it (Remix's Link inside a data router, the root's names, streaming
 * renderer): the text must be the same bytes, for every kind of card and every value that needs escaping.
 */
function ReactCard({ p, locale, threshold }: { p: CardData; locale: string; threshold: number }) {
  const { t } = useTranslation('proposals')
  const n = useNames()
  const f = formatters(locale)
  const areaName = p.areaName && n(p.areaName)
  const districtName = p.districtName && n(p.districtName)
  const place = areaName && districtName && areaName !== districtName ? `${areaName}, ${districtName}` : (areaName ?? districtName)
  return (
    <li className="proposal-card">
      {p.imageId ? <img className="proposal-card__image" src={`/proposals/images/${p.imageId}/thumb.jpg`} alt="" width={160} height={90} loading="lazy" /> : null}
      <div>
        <h3 className="proposal-card__title">
          <Link to={`/proposals/${p.id}`}>{p.title}</Link>
        </h3>
        <p className="proposal-card__summary">{p.summary}</p>
        <p className="proposal-card__meta">
          <StateBadge state={p.state} /> · {t('supportsOf', { count: p.supports, supports: f.integer.format(p.supports), threshold: f.integer.format(threshold) })}
          {p.categoryName ? ` · ${n(p.categoryName)}` : ''}
          {place ? ` · ${place}` : ''} · {p.authorName ?? t('deletedUser')}
          {p.publishedAt ? (
            <>
              {' · '}
              <time dateTime={p.publishedAt}>{f.date.format(new Date(p.publishedAt))}</time>
            </>
          ) : null}
        </p>
        {p.tags.length ? (
          <p className="proposal-card__tags">
            {p.tags.map((tag) => (
              <Link key={tag} to={`/proposals?tag=${encodeURIComponent(tag)}`} className="pill">
                {`#${tag}`}
              </Link>
            ))}
          </p>
        ) : null}
      </div>
    </li>
  )
}

/** The cards as React writes them in a page: a data router with the root's loader data, the i18n provider, the streaming renderer. */
async function viaReact(cards: CardData[], locale: Locale, threshold: number): Promise<string> {
  const List = () => (
    <ul className="proposal-list">
      {cards.map((p) => (
        <ReactCard key={p.id} p={p} locale={locale} threshold={threshold} />
      ))}
    </ul>
  )
  const routes = [{ id: 'root', path: '/', loader: () => ({ locale, defaultLocale: 'en' }), Component: List }]
  const handler = createStaticHandler(routes)
  const context = await handler.query(new Request('http://localhost/'))
  if (context instanceof Response) throw new Error('no context')
  const router = createStaticRouter(handler.dataRoutes, context)
  // The language's instance, as entry.server.tsx gives it to the page.
  const i18n = i18nInstance(locale)
  const html = await new Promise<string>((resolve, reject) => {
    let out = ''
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString('utf8')
        done()
      },
      final(done) {
        resolve(out)
        done()
      },
    })
    const { pipe } = renderToPipeableStream(
      <I18nextProvider i18n={i18n}>
        <StaticRouterProvider router={router} context={context} hydrate={false} />
      </I18nextProvider>,
      { onAllReady: () => pipe(sink), onShellError: reject, onError: reject },
    )
  })
  return html.slice('<ul class="proposal-list">'.length, -'</ul>'.length)
}

function viaText(cards: CardData[], locale: Locale, threshold: number): string {
  const i18n = i18nInstance(locale)
  const t = i18n.getFixedT(locale, 'proposals') as unknown as (key: string, options?: Record<string, unknown>) => string
  const names = (value: string | null | undefined) => localize(value, locale, 'en')
  return cards.map((p) => proposalCardHtml(p, { t, n: names, locale, threshold })).join('')
}

const card: CardData = {
  id: 30012,
  title: 'More benches and trees for the neighbourhood (12)',
  summary: 'Neighbours ask the council for benches near the trees, so everyone can enjoy the city.',
  state: 'published',
  supports: 1234,
  categoryName: '{"en":"Parks and green spaces","es":"Parques y zonas verdes","fr":"Parcs et espaces verts"}',
  areaName: '{"en":"Les Salines"}',
  districtName: '{"en":"Ciutat Vella"}',
  authorName: 'Ana García',
  tags: ['trees', 'benches', 'shade'],
  imageId: null,
  publishedAt: '2026-11-30T09:12:44.123Z',
}

describe('proposalCardHtml', () => {
  const cases: Array<[string, CardData[], Locale, number]> = [
    ['a plain card', [card], 'en', 27000],
    ['one support (singular), no tags, an image', [{ ...card, supports: 1, tags: [], imageId: 77 }], 'en', 50],
    ['a deleted author, no category, no place, not published', [{ ...card, authorName: null, categoryName: null, areaName: null, districtName: null, publishedAt: null }], 'en', 27000],
    ['area equal to its district', [{ ...card, areaName: '{"en":"Ciutat Vella"}' }], 'en', 27000],
    ['only a district', [{ ...card, areaName: null }], 'en', 27000],
    [
      'values that need escaping',
      [
        {
          ...card,
          title: `<script>alert("x")</script> & 'quotes'`,
          summary: '',
          authorName: `O'Brien & <Sons>`,
          tags: ['a&b', 'é"<', 'space tag'],
          categoryName: 'Plain & "legacy" <name>',
        },
      ],
      'en',
      27000,
    ],
    ['every state, Spanish', (['published', 'threshold_reached', 'voting', 'answered', 'archived'] as const).map((state, i) => ({ ...card, id: i + 1, state, supports: i * 1000 })), 'es', 27000],
    ['French, large numbers', [{ ...card, supports: 1_234_567 }], 'fr', 1_000_000],
  ]
  for (const [name, cards, locale, threshold] of cases) {
    it(`writes the bytes React wrote: ${name}`, async () => {
      const react = await viaReact(cards, locale, threshold)
      expect(react).toContain('proposal-card')
      expect(viaText(cards, locale, threshold)).toBe(react)
    })
  }

  it('escapes what people wrote: no markup of theirs reaches the page', () => {
    const html = viaText([{ ...card, title: '<img src=x onerror=alert(1)>', tags: ['"><b>'] }], 'en', 10)
    expect(html).not.toContain('<img src=x')
    expect(html).not.toContain('"><b>')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
  })
})
