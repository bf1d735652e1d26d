import { createContext, useContext } from 'react'

/** What the HTTP layer hands every loader and action (see app/lib/http.server.ts). */
export interface PlazaLoadContext {
  requestId: string
  cspNonce: string
  /**
   * Set when a loader or action met a database fault (lock timeout, full disk): the answer is a
   * 503 with Retry-After and a "try again" page instead of the 500 page (entry.server.tsx).
   */
  fault?: { reason: string; retryAfterSeconds: number }
}

declare module '@remix-run/server-runtime' {
  interface AppLoadContext extends PlazaLoadContext {}
}

/** Request facts that rendering needs even when a loader failed (error pages, script nonces). */
export const RequestContext = createContext<{ requestId: string; cspNonce: string; unavailable?: boolean }>({ requestId: '', cspNonce: '' })
export const useRequestContext = () => useContext(RequestContext)

declare module '@remix-run/server-runtime' {
  interface Future {
    v3_singleFetch: true
  }
}
