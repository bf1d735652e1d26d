/**
 * Following, shared by server and browser: what can be followed and how often mail comes.
 */

export const FOLLOW_KINDS = ['report', 'proposal', 'petition', 'vote', 'area'] as const
export type FollowKind = (typeof FOLLOW_KINDS)[number]
export const FOLLOW_MODES = ['immediate', 'daily'] as const
export type FollowMode = (typeof FOLLOW_MODES)[number]

export const isFollowKind = (v: unknown): v is FollowKind => typeof v === 'string' && (FOLLOW_KINDS as readonly string[]).includes(v)
export const isFollowMode = (v: unknown): v is FollowMode => typeof v === 'string' && (FOLLOW_MODES as readonly string[]).includes(v)

/** The page of a followed thing (areas by slug, so the caller passes it). */
export function targetPath(kind: FollowKind, id: number, slug?: string | null): string {
  switch (kind) {
    case 'report':
      return `/reports/${id}`
    case 'proposal':
      return `/proposals/${id}`
    case 'petition':
      return `/petitions/${id}`
    case 'vote':
      return `/votes/${id}`
    case 'area':
      return `/areas/${slug ?? id}`
  }
}

/** Unsubscribe tokens: "s<id>.<mac>" stops one subscription, "d<id>.<mac>" every daily one of that address. */
export const UNSUBSCRIBE_TOKEN_RE = /^([sd])([1-9]\d{0,11})\.([a-z2-7]{32})$/
export const CONFIRM_TOKEN_RE = /^[a-z2-7]{20,64}$/
