import { createContext, useContext } from 'react'

/** What the HTTP layer hands every loader and action (see app/lib/http.server.ts). */
export interface PlazaLoadContext {
  requestId: string
  cspNonce: string
}

declare module '@remix-run/server-runtime' {
  interface AppLoadContext extends PlazaLoadContext {}
}

/** Request facts that rendering needs even when a loader failed (error pages, script nonces). */
export const RequestContext = createContext<{ requestId: string; cspNonce: string }>({ requestId: '', cspNonce: '' })
export const useRequestContext = () => useContext(RequestContext)

declare module '@remix-run/server-runtime' {
  interface Future {
    v3_singleFetch: true
  }
}
