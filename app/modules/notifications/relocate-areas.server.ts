import type { AreaRelocation } from '../geo/relocation'

/**
 * A geography import: people following a removed area follow the area that replaces it (one
 * subscription per address and area is kept); with none, the subscription ends. Returns how many moved.
 */
export function relocateAreaSubscriptions(r: AreaRelocation): number {
  let moved = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    if (next !== null) moved += r.sqlite.prepare("update or ignore subscriptions set target_id = ? where target_kind = 'area' and target_id = ?").run(next, old).changes
    r.sqlite.prepare("update subscriptions set unsubscribed_at = coalesce(unsubscribed_at, ?) where target_kind = 'area' and target_id = ?").run(r.at, old)
  }
  return moved
}
