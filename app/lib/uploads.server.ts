import { unstable_parseMultipartFormData, type UploadHandler } from '@remix-run/node'
import { MiB, UNREAD_BODY_HEADERS } from './images.server'

/**
 * The one reader of forms that carry files (report photos, proposal images, portraits): multipart
 * with files, or urlencoded without. Each file is counted as it streams in and the read stops the
 * moment one passes `maxFileBytes` (or the whole body its limit), so an oversized upload is refused
 * without being read whole; a Content-Length over what a full form can need is refused before
 * reading anything. What the files are is the image pipeline's to judge (images.server.ts).
 * 'malformed' is the sender's fault (400); 'tooLarge' is a 413. Both answers must carry `headers`
 * (UNREAD_BODY_HEADERS: the unread rest of the body would stall the connection).
 */

/** Text fields of a form together; anything near this is not a person typing. */
export const TEXT_LIMIT = 1 * MiB

export interface UploadedFile {
  /** The file's name as the browser sent it ('' when none). */
  name: string
  data: Buffer
}

export type UploadForm =
  | {
      kind: 'ok'
      /** Text fields, the first value of each (as formFields does). */
      fields: Record<string, string>
      /** Every text value in form order (for fields that repeat). */
      values: Array<[string, string]>
      /** The files of `fileField`, in form order: at most `maxFiles` kept, later ones marked tooMany. */
      files: Array<UploadedFile | { name: string; tooMany: true }>
    }
  | { kind: 'tooLarge'; fields: Record<string, string>; headers: typeof UNREAD_BODY_HEADERS }
  | { kind: 'malformed'; headers: typeof UNREAD_BODY_HEADERS }

class BodyTooLarge extends Error {}

export async function readUploadForm(request: Request, options: { fileField: string; maxFiles: number; maxFileBytes: number; textLimit?: number }): Promise<UploadForm> {
  const { fileField, maxFiles, maxFileBytes } = options
  const textLimit = options.textLimit ?? TEXT_LIMIT
  const bodyLimit = maxFiles * maxFileBytes + textLimit
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > bodyLimit) return { kind: 'tooLarge', fields: {}, headers: UNREAD_BODY_HEADERS }

  const fields: Record<string, string> = Object.create(null)
  const values: Array<[string, string]> = []
  const addField = (name: string, value: string) => {
    if (!(name in fields)) fields[name] = value
    values.push([name, value])
  }

  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type === 'application/x-www-form-urlencoded') {
    let body: string
    try {
      body = await readText(request.body, textLimit)
    } catch (error) {
      if (error instanceof BodyTooLarge) return { kind: 'tooLarge', fields: {}, headers: UNREAD_BODY_HEADERS }
      return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }
    }
    for (const [name, value] of new URLSearchParams(body)) addField(name, value)
    return { kind: 'ok', fields, values, files: [] }
  }
  if (type !== 'multipart/form-data') return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }

  const files: Array<UploadedFile | { name: string; tooMany: true }> = []
  let accepted = 0
  let textBytes = 0
  let totalBytes = 0
  const decoder = new TextDecoder()
  const handler: UploadHandler = async (part) => {
    // A file field's part is a file even without a filename (fetch's FormData drops an empty one).
    if (part.filename === undefined && part.name !== fileField) {
      const chunks: Uint8Array[] = []
      for await (const chunk of part.data) {
        textBytes += chunk.length
        if (textBytes > textLimit) throw new BodyTooLarge()
        chunks.push(chunk)
      }
      addField(part.name, decoder.decode(Buffer.concat(chunks)))
      return null
    }
    const wanted = part.name === fileField && accepted < maxFiles
    const chunks: Uint8Array[] = []
    let size = 0
    // The parser buffers a part nobody reads, so even unwanted files are read through (and counted).
    for await (const chunk of part.data) {
      size += chunk.length
      totalBytes += chunk.length
      if (size > maxFileBytes || totalBytes > bodyLimit) throw new BodyTooLarge()
      if (wanted) chunks.push(chunk)
    }
    const name = part.filename ?? ''
    // A file input left empty still sends a part: no name, no bytes.
    if (name === '' && size === 0) return null
    if (part.name !== fileField) return null
    if (wanted) {
      accepted++
      files.push({ name, data: Buffer.concat(chunks) })
    } else files.push({ name, tooMany: true })
    return null
  }
  try {
    await unstable_parseMultipartFormData(request, handler)
  } catch (error) {
    if (error instanceof BodyTooLarge) return { kind: 'tooLarge', fields, headers: UNREAD_BODY_HEADERS }
    // Everything else comes from the parser or the body stream: a broken or cut-off form.
    return { kind: 'malformed', headers: UNREAD_BODY_HEADERS }
  }
  return { kind: 'ok', fields, values, files }
}

async function readText(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length
    if (size > limit) throw new BodyTooLarge()
    chunks.push(chunk)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}
