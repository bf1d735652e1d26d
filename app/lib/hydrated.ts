import { useSyncExternalStore } from 'react'
import { useMatches } from '@remix-run/react'

const never = () => () => {}

/**
 * False on the server and while the browser hydrates, true once the page has hydrated (and on every
 * render in the browser after that). For parts that only work with JavaScript: the server's markup
 * and the first browser render agree, then React renders again with `true`. Same contract as
 * `useEffect(() => setHydrated(true), [])` without a state change inside an effect.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    never,
    () => true,
    () => false,
  )
}

/**
 * Whether this page is hydrated at all: false when a route of the page says `handle: { hydrate: false }`
 * (ADR 137: sent as HTML and CSS only, no React in the browser). A component that server-renders its
 * JavaScript-only parts (so nothing moves at hydration) leaves them out on such a page.
 */
export function usePageHydrates(): boolean {
  return pageHydrates(useMatches())
}

/**
 * A page whose route says `handle: { hydrate: false }` is sent as HTML and CSS only: no React, no
 * Remix runtime, no catalogs (issue 18: a phone on a slow network reads it sooner). Such a page must
 * do everything without JavaScript, as every Plaza page already must; its links and forms are plain.
 * `hydrate` may be a function of the route's data: /processes/:slug hydrates only for signed-in people.
 */
export function pageHydrates(matches: ReturnType<typeof useMatches>): boolean {
  return !matches.some((m) => {
    const hydrate = (m.handle as { hydrate?: boolean | ((data: unknown) => boolean) } | undefined)?.hydrate
    return hydrate === false || (typeof hydrate === 'function' && !hydrate(m.data))
  })
}
