import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beginImport, importBasemap } from './basemap.server'
import { forgetStreetIndex } from './search.server'

/**
 * An import started from /admin/basemap: the upload is kept in a temporary file, the import row is
 * made at once (so the page can show its progress) and the work goes on after the answer.
 */
export async function startUploadedImport(bytes: Uint8Array, fileName: string, actorId: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plaza-basemap-upload-'))
  const file = path.join(dir, 'extract')
  fs.writeFileSync(file, bytes)
  const version = await beginImport(fileName, 'osm', actorId)
  void importBasemap(file, { fileName, version, actorId })
    .then(() => forgetStreetIndex())
    .catch((error: unknown) => console.warn('basemap import:', error))
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }))
  return version
}
