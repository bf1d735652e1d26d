/**
 * `npm run build`: everything a production server needs, built once (docs/decisions/129-production-build.md).
 *
 * 1. the map's web worker into public/ (scripts/copy-map-worker.ts);
 * 2. the Remix app (`remix build`, NODE_ENV=production): build/index.js and public/build/;
 * 3. the server start script, scripts/server.ts, with what it imports from app/ and db/ (configuration,
 *    database and migrations, the HTTP layer, the demo seed, mail and background jobs), bundled by esbuild
 *    into one ES module, build/server-main.js, loaded by build/server.js (which sets NODE_ENV first).
 *    Packages stay imports from node_modules.
 *
 * Then `node build/server.js` (`npm run start:prod`) serves without tsx and without a build check. The
 * build fails when either output imports a package that package.json lists only under devDependencies (or
 * not at all): a runtime installed with `npm ci --omit=dev` would not find it.
 */
import fs from 'node:fs'
import path from 'node:path'
import { builtinModules } from 'node:module'
import { execFileSync } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import * as esbuild from 'esbuild'
import { copyMapWorker } from './copy-map-worker'

const root = path.resolve(import.meta.dirname, '..')
export const serverEntry = path.join(root, 'scripts', 'server.ts')
export const serverOutput = path.join(root, 'build', 'server.js')
export const serverMain = path.join(root, 'build', 'server-main.js')
export const remixOutput = path.join(root, 'build', 'index.js')

/** The package a bare import names (`@scope/name/sub` → `@scope/name`), or null for node: built-ins and paths. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/')) return null
  const parts = specifier.split('/')
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '')
  return builtinModules.includes(name) ? null : name
}

/** The packages a built ES module imports, itself or through the files it imports (esbuild reads the imports: no regular expression over code). */
export async function importedPackages(file: string): Promise<Set<string>> {
  const result = await esbuild.build({ entryPoints: [file], bundle: true, packages: 'external', platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent' })
  const found = new Set<string>()
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      const name = imported.external ? packageOf(imported.path) : null
      if (name) found.add(name)
    }
  }
  return found
}

/** Packages the outputs import that `npm ci --omit=dev` would not install. */
export async function missingRuntimePackages(files: string[]): Promise<string[]> {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }
  const runtime = new Set(Object.keys(manifest.dependencies ?? {}))
  const missing = new Set<string>()
  for (const file of files) for (const name of await importedPackages(file)) if (!runtime.has(name)) missing.add(`${name} (imported by ${path.relative(root, file)})`)
  return [...missing].sort()
}

/** Writes a file whole under another name, then renames it over `file` (a reader sees the old or the new one). */
function writeAtomically(file: string, contents: string | Uint8Array): void {
  const scratch = `${file}.${process.pid}.tmp`
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(scratch, contents)
  fs.renameSync(scratch, file)
}

/**
 * Compiles scripts/server.ts into `main` and writes the entry that loads it (`wrapper`, null for none:
 * the test suite runs a bundle of its own directly, with NODE_ENV set — tests/support/global-setup.ts).
 */
export async function compileServer(main = serverMain, wrapper: string | null = serverOutput): Promise<void> {
  // Written beside, then renamed over: a server starting from these files meanwhile (npm test runs the
  // SQLite and PostgreSQL vitest runs side by side, and both compile the production server) reads the
  // old file or the new one, never half of one.
  const result = await esbuild.build({
    write: false,
    entryPoints: [serverEntry],
    outfile: main,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    jsx: 'automatic',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
    // package.json says "sideEffects": false (for the browser bundles); the server keeps every import, as tsx does
    // (app/lib/http.server.ts imports './context' for its side effect).
    ignoreAnnotations: true,
    banner: { js: '// Plaza server, compiled from scripts/server.ts by scripts/build.ts (npm run build). Run: node build/server.js' },
  })
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents)
  // One bundle hoists every package import to its top, before any of the server's own code runs: React would
  // be loaded before server.ts could default NODE_ENV, and pick its development build. The entry sets it
  // first, then loads the bundle. Both sit in build/, beside build/index.js (paths relative to import.meta.url
  // resolve as from there).
  if (wrapper === null) return
  writeAtomically(
    wrapper,
    [
      '// Plaza production server: written by scripts/build.ts (npm run build). Run from the installation folder: node build/server.js',
      '// React and other packages choose their production builds from NODE_ENV when first loaded: set it before any loads.',
      "process.env.NODE_ENV ??= 'production'",
      `await import('./${path.basename(main)}')`,
      '',
    ].join('\n'),
  )
}

async function main() {
  const started = Date.now()
  console.log(`map worker: ${path.relative(root, copyMapWorker())}`)
  execFileSync(process.execPath, [path.join(root, 'node_modules/@remix-run/dev/dist/cli.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  })
  await compileServer()
  const missing = await missingRuntimePackages([remixOutput, serverOutput, serverMain])
  if (missing.length) {
    console.error(`The build imports packages that are not in package.json's dependencies (a production install leaves them out):\n  ${missing.join('\n  ')}`)
    process.exit(1)
  }
  const kib = (fs.statSync(serverMain).size / 1024).toFixed(0)
  console.log(`server: ${path.relative(root, serverOutput)} + ${path.basename(serverMain)} (${kib} KiB) — built in ${((Date.now() - started) / 1000).toFixed(1)} s; run it with npm run start:prod`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main()
