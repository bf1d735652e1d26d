import { useSyncExternalStore } from 'react'

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
