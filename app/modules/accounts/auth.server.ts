import { redirect } from '@remix-run/node'
import { userById, type AccountUser } from './accounts.server'
import { can, type Permission } from './policy'
import { readSessionToken, validateSessionToken } from './sessions.server'

/**
 * Who is asking. Every loader and action that needs a person starts with requireUser or
 * requirePermission; no route re-implements a check.
 */

export interface CurrentUser extends AccountUser {
  sessionId: string
}

const cache = new WeakMap<Request, Promise<CurrentUser | null>>()

export function getUser(request: Request): Promise<CurrentUser | null> {
  let pending = cache.get(request)
  if (!pending) {
    pending = (async () => {
      const token = await readSessionToken(request)
      if (!token) return null
      const session = await validateSessionToken(token)
      if (!session) return null
      const user = await userById(session.userId)
      return user ? { ...user, sessionId: session.sessionId } : null
    })()
    cache.set(request, pending)
  }
  return pending
}

function loginRedirect(request: Request) {
  const url = new URL(request.url)
  return redirect(`/login?redirectTo=${encodeURIComponent(url.pathname + url.search)}`)
}

export async function requireUser(request: Request): Promise<CurrentUser> {
  const user = await getUser(request)
  if (!user) throw loginRedirect(request)
  return user
}

/** The user, if they hold the permission; anonymous visitors go to log in, others get a 403. */
export async function requirePermission(request: Request, permission: Permission): Promise<CurrentUser> {
  const user = await requireUser(request)
  if (!can(user, permission)) throw new Response('Forbidden', { status: 403 })
  return user
}

export function requestMeta(request: Request) {
  return {
    ip: request.headers.get('x-plaza-client-ip') ?? 'unknown',
    userAgent: request.headers.get('user-agent'),
  }
}
