import type { LoaderFunctionArgs } from '@remix-run/node'
import { getUser } from '../modules/accounts/auth.server'
import { can } from '../modules/accounts/policy'
import { attachmentFile } from '../modules/foi/foi.server'

/**
 * /information-requests/:id/files/:fileId — a document attached to an answer; withheld files only for
 * administrators; a PDF with redactions as its redacted copy (`?original=1`: the original, administrators only).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const id = Number(params.id)
  const fileId = Number(params.fileId)
  if (!Number.isInteger(id) || !Number.isInteger(fileId)) throw new Response('Not found', { status: 404 })
  const user = await getUser(request)
  const original = new URL(request.url).searchParams.get('original') === '1'
  const file = await attachmentFile(id, fileId, user ? { id: user.id, isAdmin: can(user, 'admin:settings') } : null, original)
  if (!file) throw new Response('Not found', { status: 404 })
  const safeName = file.filename.replace(/[^\w.\- ]+/g, '_')
  // Never rendered inline as HTML from our origin: a body's attachment is untrusted content.
  const inline = file.mime === 'application/pdf' || /^image\/(png|jpeg|gif|webp)$/.test(file.mime)
  return new Response(new Uint8Array(file.data), {
    headers: {
      'Content-Type': inline ? file.mime : 'application/octet-stream',
      'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename="${safeName}"`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "sandbox; default-src 'none'",
      'Cache-Control': 'private, max-age=300',
    },
  })
}
