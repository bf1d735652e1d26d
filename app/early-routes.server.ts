import type { EarlyRoute } from './lib/early-routes'
import { addressSearchAnswer, glyphAnswer, tileAnswer, tileFromMemory } from './modules/basemap/http.server'
import { featuresResponse } from './modules/geo/features-http.server'
import { petitionCountAnswer } from './modules/petitions/count-http.server'
import { petitionJsonResponse } from './modules/petitions/petitions.server'
import { signPetitionFast } from './modules/petitions/sign-http.server'
import { castBallotFast } from './http/votes.server'

/**
 * Every route the HTTP layer answers before Remix (ADR 117), in the order it tries them. Part of
 * the server build (exported by entry.server.tsx), so a handler shares the build's database
 * connection and write queues with the Remix route for the same URL. Each Remix route keeps
 * answering its URL too (a POST handler that returns null hands the request to it).
 *
 * Keep this list short: a page rendered by Remix costs about a millisecond of CPU (ADR 117), so
 * only machine answers and write peaks of thousands a second belong here.
 */
export const earlyRoutes: readonly EarlyRoute[] = [
  {
    method: 'GET',
    path: '/api/map/features',
    handle: featuresResponse,
    why: 'public, cookie-free map API polled on every pan (ADR 023)',
  },
  {
    method: 'GET',
    path: '/tiles/:version/:z/:x/:y',
    raw: tileAnswer,
    // Ahead of Express: a tile kept in memory costs about what a bare node:http server's answer does (ADR 148).
    bare: { prefix: '/tiles/', handle: tileFromMemory },
    why: 'base-map vector tiles: dozens per map view, bytes from one prepared statement or memory (issue 17, ADR 139, ADR 148)',
  },
  {
    method: 'GET',
    path: '/fonts/:version/:fontstack/:range',
    raw: (params, headers) => glyphAnswer(params, headers),
    why: "glyph ranges under the style's versioned URL, immutable for a year (issue 17)",
  },
  {
    method: 'GET',
    path: '/fonts/:fontstack/:range',
    raw: (params, headers) => glyphAnswer(params, headers),
    why: 'glyph ranges without a public file (a font stack, a rare range): every map with labels asks (issue 17)',
  },
  {
    method: 'GET',
    path: '/search/address',
    // null (a browser asking for HTML) hands the request to the Remix page.
    raw: (_params, headers, query) => addressSearchAnswer(headers, query),
    why: "address suggestions as JSON while a person types (issue 17); the HTML page is Remix's",
  },
  {
    method: 'GET',
    // Remix's $id segment cannot end in a literal ".json" for a document request.
    path: '/petitions/:id.json',
    handle: petitionJsonResponse,
    why: 'machine-readable petition; Remix cannot route a document request ending in .json',
  },
  {
    method: 'GET',
    path: '/petitions/:id/count.json',
    raw: (params) => petitionCountAnswer(params.id ?? ''),
    why: "a viral petition's live count, polled by embedding sites (ADR 060)",
  },
  {
    method: 'POST',
    path: '/votes/:id',
    handle: castBallotFast,
    why: "casting a ballot at a vote's closing peak (ADR 051); refusals fall through to Remix",
  },
  {
    method: 'POST',
    path: '/petitions/:id',
    handle: signPetitionFast,
    why: 'signing a viral petition (ADR 060); refusals fall through to Remix',
  },
]
