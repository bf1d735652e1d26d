import type { CapabilityManifest } from './manifest'
import { registerAreaRelocator } from './geo/relocation'
import { manifest as accounts } from './accounts/manifest.server'
import { manifest as basemap } from './basemap/manifest.server'
import { manifest as city } from './city/manifest.server'
import { manifest as configuration } from './configuration/manifest.server'
import { manifest as deliberation } from './deliberation/manifest.server'
import { manifest as delivery } from './delivery/manifest.server'
import { manifest as embed } from './embed/manifest.server'
import { manifest as foi } from './foi/manifest.server'
import { manifest as geo } from './geo/manifest.server'
import { manifest as letters } from './letters/manifest.server'
import { manifest as moderation } from './moderation/manifest.server'
import { manifest as notifications } from './notifications/manifest.server'
import { manifest as open311 } from './open311/manifest.server'
import { manifest as opendata } from './opendata/manifest.server'
import { manifest as petitions } from './petitions/manifest.server'
import { manifest as processes } from './processes/manifest.server'
import { manifest as proposals } from './proposals/manifest.server'
import { manifest as reports } from './reports/manifest.server'
import { manifest as services } from './services/manifest.server'
import { manifest as voting } from './voting/manifest.server'

/**
 * Every capability's manifest (app/modules/<name>/manifest.server.ts), in the order they plug in:
 * discussions and moderation first, then the kinds that use them. The registry reads these and
 * nothing else; adding a capability is one line here. (Plain side-effect imports would be
 * dropped: the package is marked "sideEffects": false.)
 */
export const manifests: readonly CapabilityManifest[] = [
  deliberation,
  reports,
  proposals,
  petitions,
  voting,
  letters,
  opendata,
  city,
  accounts,
  configuration,
  embed,
  geo,
  moderation,
  notifications,
  open311,
  services,
  delivery,
  basemap,
  processes,
  foi,
]

let registered = false
/**
 * Plugs every capability in, once per process. Called from entry.server.tsx at start; tests call
 * it before using the modules.
 */
export function registerCapabilities() {
  if (registered) return
  registered = true
  for (const manifest of manifests) {
    if (manifest.relocateAreas) registerAreaRelocator(manifest.name, manifest.relocateAreas)
    manifest.register?.()
  }
}
