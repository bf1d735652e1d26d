/**
 * The bodies of fast posts (ADR 051) by their Request. The HTTP layer buffers a form post's body
 * once; a fast-post handler reads it here instead of through the Request's body stream. Shared
 * through globalThis because the handlers live in the server build, which has its own copy of
 * this module.
 */
const bodies: WeakMap<Request, Buffer> = ((globalThis as { __plazaFastPostBodies?: WeakMap<Request, Buffer> }).__plazaFastPostBodies ??= new WeakMap())

export function rememberFastPostBody(request: Request, body: Buffer) {
  bodies.set(request, body)
}

/** The buffered body of a fast post, or undefined (then read it from the Request). */
export const fastPostBody = (request: Request): Buffer | undefined => bodies.get(request)
