/**
 * The contract for routes answered by the HTTP layer before Remix (ADR 117). The table itself is
 * app/early-routes.server.ts, part of the server build (so its handlers share the build's database
 * connection and write queues with the Remix routes); app/lib/http.server.ts reads it from the
 * build's entry module, typed by that module, without casts.
 */

/** The route's parameters, as Express matched them (`/votes/:id` → `{ id: '12' }`). */
export type EarlyParams = Record<string, string>

/**
 * A Fetch handler: the Response, or null for "not mine" — Remix then answers the same request
 * (a POST's body was buffered, so Remix can read it again). A handler that always answers never
 * returns null.
 */
export type EarlyHandler = (request: Request, params: EarlyParams) => Promise<Response | null>

/** A bare answer, for the hottest public GETs: no Fetch Request or web stream is built (ADR 060). */
export interface RawAnswer {
  status: number
  headers: Record<string, string>
  /** Text, or bytes sent as they are (a vector tile). */
  body: string | Uint8Array
}
/** The request's headers as Node parsed them (lower-case names), for validators such as If-None-Match. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>
/**
 * A raw handler gets the route's parameters, the request's headers and its query string (without the
 * "?", "" when none). null is "not mine", as for a Fetch handler: Remix answers the same request
 * (the address search answers JSON raw and leaves the HTML page to Remix).
 */
export type RawHandler = (params: EarlyParams, headers: RequestHeaders, query: string) => Promise<RawAnswer | null>

/**
 * A raw route's way in ahead of Express (ADR 148): called on node:http's request event for a GET
 * whose path starts with the prefix, before any middleware. It answers from memory synchronously
 * when it can (no promise per request), else with a promise; null (or a rejected promise) sends
 * the request down the whole pipeline to the route's `raw` handler, which answers everything else
 * (a malformed path, an error: logged with a request id).
 */
export type BareHandler = (url: string, headers: RequestHeaders) => RawAnswer | Promise<RawAnswer> | null
export interface BareEntry {
  /** The path prefix it is asked about, e.g. `/tiles/`. */
  prefix: string
  handle: BareHandler
}

interface EarlyRouteBase {
  /** An Express path pattern: `/votes/:id`, `/petitions/:id.json`. */
  path: string
  /** Why this route is answered before Remix (shown in the ADR and the table; keeps the list honest). */
  why: string
}

export type EarlyRoute = (EarlyRouteBase & { method: 'GET' | 'POST'; handle: EarlyHandler }) | (EarlyRouteBase & { method: 'GET'; raw: RawHandler; bare?: BareEntry })

/** Form posts larger than this go to Remix unbuffered (a fast post is a small urlencoded form). */
export const EARLY_POST_MAX_BYTES = 64 * 1024
