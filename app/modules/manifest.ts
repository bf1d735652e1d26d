import type { BackgroundJob } from '../lib/jobs.server'
import type { Permission } from './accounts/policy'
import type { AreaRelocator } from './geo/relocation'
import type { FollowKind } from './notifications/follow'

/**
 * What one capability plugs into Plaza, in one place (docs/architecture.md, "One module shape").
 * Each module has `manifest.server.ts` exporting one of these; `registry.server.ts` reads them all
 * instead of calling a function of its own shape per capability. The lists are data a newcomer (and
 * registry.server.test.ts) can read; `register` is the one call that plugs the capability's
 * handlers in (discussable and moderated kinds, hooks, data exporters, datasets).
 */
export interface CapabilityManifest {
  /** The folder's name under app/modules/. */
  name: string
  /** Leading path segments of the URLs it answers, e.g. '/reports' (files in app/routes/). */
  routes: readonly string[]
  /** Permissions its routes check with requirePermission (app/modules/accounts/policy.ts). */
  permissions: readonly Permission[]
  /** Background jobs it runs beside the web servers, each {name, start(ctx)} (app/lib/jobs.server.ts; started by app/modules/jobs.server.ts). */
  jobs: readonly BackgroundJob[]
  /** Open-data datasets it registers (/data/<name>.csv|json|geojson). */
  datasets: readonly string[]
  /** Feed paths it publishes (RSS and Atom, app/lib/feed.ts). */
  feeds: readonly string[]
  /** Map layers (map_kinds.kind) its items are drawn in. */
  mapLayers: readonly string[]
  /** Kinds of things people can follow that it owns (app/modules/notifications/follow.ts). */
  followableKinds: readonly FollowKind[]
  /**
   * Recomputes the item → area links of its tables inside a geography import's transaction and
   * says how many moved (app/modules/geo/relocation.ts). Every capability storing an area id of
   * a located thing declares one.
   */
  relocateAreas?: AreaRelocator
  /** Called once per process, at start (entry.server.tsx) and by tests, before the modules are used. */
  register?: () => void
}

export const defineManifest = (manifest: CapabilityManifest): CapabilityManifest => manifest
