/**
 * The Plaza server the tests start (vitest: tests/support/global-setup.ts; Playwright:
 * tests/support/e2e-server-build.ts): scripts/server.ts and the Remix app (build/index.js) bundled
 * together by esbuild, their packages with them, into `build/<name>.js`, `build/<name>-app.js` and
 * shared chunks `build/<name>-chunk-*.js`. The production build (scripts/build.ts) leaves packages as
 * imports from node_modules, and so each Plaza start had Node resolve and load some 150 packages'
 * files one by one: 1.8–1.9 CPU-s a start, 1.1–1.2 bundled (issue 23, ADR 161). Both entries share
 * one copy of each package (one React, one Kysely), as the two files of the production build do.
 *
 * Packages that find files of their own at run time (native addons, worker scripts by path) stay
 * imports: better-sqlite3, sharp, @node-rs/argon2, pino (its transports' worker files), pdfjs-dist and
 * mailparser (loaded by path into worker threads), pg-native (pg's optional native driver).
 * The outputs sit in build/, beside build/index.js, so paths relative to `import.meta.url` resolve as
 * from the production build.
 */
import fs from 'node:fs'
import path from 'node:path'
import * as esbuild from 'esbuild'
import { serverEntry, remixOutput } from '../../scripts/build'

const buildDir = path.dirname(remixOutput)

/** Packages that must stay imports from node_modules (see above). */
export const UNBUNDLED_PACKAGES = ['better-sqlite3', 'sharp', '@node-rs/argon2', 'pino', 'pdfjs-dist', 'mailparser', 'pg-native']

/** Compiles the test server as `build/<name>.js`; returns every file written (for the caller to remove). */
export async function compileTestServer(name: string): Promise<{ main: string; files: string[] }> {
  removeTestServer(name)
  const result = await esbuild.build({
    entryPoints: { [name]: serverEntry, [`${name}-app`]: remixOutput },
    outdir: buildDir,
    splitting: true,
    chunkNames: `${name}-chunk-[hash]`,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: UNBUNDLED_PACKAGES,
    jsx: 'automatic',
    // As scripts/build.ts: the server keeps every import (package.json's "sideEffects": false is for the browser bundles).
    ignoreAnnotations: true,
    // scripts/server.ts imports this file instead of build/index.js.
    define: { PLAZA_TEST_REMIX_BUILD: JSON.stringify(`${name}-app.js`) },
    // The packages written as CommonJS call require(): give them one that resolves from build/.
    banner: { js: "import { createRequire as __plazaCreateRequire } from 'node:module'; const require = __plazaCreateRequire(import.meta.url);" },
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  })
  const files = Object.keys(result.metafile.outputs).map((f) => path.resolve(f))
  return { main: path.join(buildDir, `${name}.js`), files }
}

/** Removes the files of an earlier compile under the same name (a test server's chunks are named by their content). */
export function removeTestServer(name: string): void {
  if (!fs.existsSync(buildDir)) return
  for (const file of fs.readdirSync(buildDir)) {
    if (file === `${name}.js` || file === `${name}-app.js` || file.startsWith(`${name}-chunk-`)) fs.rmSync(path.join(buildDir, file), { force: true })
  }
}
