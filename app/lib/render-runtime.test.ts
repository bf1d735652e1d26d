import { createRequire } from 'node:module'
import path from 'node:path'
import { Writable } from 'node:stream'
import { createElement, Fragment, type ReactNode } from 'react'
import type * as Server from 'react-dom/server'
import { describe, expect, it } from 'vitest'

// The production builds, whatever NODE_ENV the tests run with: the patched writer is in the one the
// server runs; renderToString (the legacy renderer, not patched) is the reference.
const require = createRequire(import.meta.url)
const reactDom = path.dirname(require.resolve('react-dom/server'))
const { renderToPipeableStream } = require(path.join(reactDom, 'cjs/react-dom-server.node.production.min.js')) as typeof Server
const { renderToString } = require(path.join(reactDom, 'cjs/react-dom-server-legacy.node.production.min.js')) as typeof Server

/**
 * The patched packages of the fourth rendering pass (ADR 147, docs/performance.md "Fourth pass") keep
 * what they answer: React's server writer gathers strings before encoding them (the bytes must not
 * change wherever a piece falls, whatever its characters), and Remix hands a request it would not
 * change to the loaders as it came (and a request it changes, changed, as before).
 */

function piped(node: ReactNode): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const { pipe } = renderToPipeableStream(node, {
      onAllReady() {
        pipe(
          new Writable({
            write(chunk: Buffer, _encoding, callback) {
              chunks.push(chunk)
              callback()
            },
            final(callback) {
              resolve(Buffer.concat(chunks))
              callback()
            },
          }),
        )
      },
      onShellError: reject,
      onError: reject,
    })
  })
}

const texts = ['a', 'é', '😀', '日本語', 'x'.repeat(511), 'y'.repeat(513), 'z'.repeat(700), '€'.repeat(683), 'ü'.repeat(2049), '"<&>\'']

describe("React's server writer (patches/react-dom)", () => {
  it('writes the bytes of the page, pieces of every length and character crossing every boundary', async () => {
    for (let seed = 1; seed <= 12; seed++) {
      let n = seed
      const next = () => (n = (n * 1103515245 + 12345) % 2147483648)
      const rows = Array.from({ length: 40 + seed * 10 }, (_, i) =>
        createElement(
          'li',
          { key: i, 'data-label': texts[next() % texts.length], title: texts[next() % texts.length] },
          texts[next() % texts.length],
          createElement('b', null, texts[next() % texts.length]),
        ),
      )
      const tree = createElement(
        Fragment,
        null,
        createElement('ul', null, rows),
        createElement('script', { dangerouslySetInnerHTML: { __html: 'ñ'.repeat(seed * 3000) } }),
        createElement('p', null, texts[next() % texts.length]),
      )
      const bytes = await piped(tree)
      expect(bytes.equals(Buffer.from(renderToString(tree), 'utf8'))).toBe(true)
    }
  })

  it('keeps two pages rendered at once apart', async () => {
    const page = (c: string) =>
      createElement(
        'div',
        null,
        Array.from({ length: 300 }, (_, i) => createElement('span', { key: i, className: c }, `${c}${i}`)),
      )
    const [a, b] = await Promise.all([piped(page('a')), piped(page('b'))])
    expect(a.toString()).toBe(renderToString(page('a')))
    expect(b.toString()).toBe(renderToString(page('b')))
  })
})

describe("Remix's loader request (patches/@remix-run+server-runtime)", async () => {
  // The functions Remix calls before each loader; not part of its public API, hence the dist path.
  const data = require(path.join(path.dirname(require.resolve('@remix-run/server-runtime')), 'data.js')) as {
    callRouteLoader(args: { loadContext: unknown; loader: (a: { request: Request }) => unknown; params: object; request: Request; routeId: string; singleFetch: boolean }): Promise<unknown>
  }
  const seen = async (request: Request, singleFetch = true) => {
    let got: Request | undefined
    await data.callRouteLoader({ loadContext: {}, params: {}, routeId: 'r', singleFetch, request, loader: ({ request }) => ((got = request), null) })
    return got!
  }

  it('passes a GET it leaves unchanged as it came', async () => {
    const request = new Request('http://plaza.test/council/reports?status=open&page=2')
    expect(await seen(request)).toBe(request)
    expect(await seen(request, false)).toBe(request)
  })

  it('still strips what it strips, and re-encodes the query as before', async () => {
    const indexed = await seen(new Request('http://plaza.test/proposals?index&q=a'))
    expect(indexed.url).toBe('http://plaza.test/proposals?q=a')
    expect((await seen(new Request('http://plaza.test/x?_routes=root&a=1'))).url).toBe('http://plaza.test/x?a=1')
    expect((await seen(new Request('http://plaza.test/x?_data=root&a=1'), false)).url).toBe('http://plaza.test/x?a=1')
    const encoded = new Request('http://plaza.test/x?q=a%20b&flag')
    const got = await seen(encoded)
    expect(got).not.toBe(encoded)
    expect(got.url).toBe('http://plaza.test/x?q=a+b&flag=')
  })

  it('gives a POST a request of its own, as before', async () => {
    const post = new Request('http://plaza.test/x', { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    const got = await seen(post)
    expect(got).not.toBe(post)
    expect(await got.text()).toBe('a=1')
  })
})
