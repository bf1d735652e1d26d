import type { AreaRelocation } from '../geo/relocation'

/**
 * A geography import: people following a removed area follow the area that replaces it (one
 * subscription per address and area is kept); with none, the subscription ends. Returns how many moved.
 */
export async function relocateAreaSubscriptions(r: AreaRelocation): Promise<number> {
  let moved = 0
  for (const old of r.removed) {
    const next = r.successor(old)
    // An address already following the successor keeps that subscription; this one ends below.
    if (next !== null)
      moved += await r.sql.run(
        `update subscriptions set target_id = ? where target_kind = 'area' and target_id = ?
           and not exists (select 1 from subscriptions s where s.email_key = subscriptions.email_key and s.target_kind = 'area' and s.target_id = ?)`,
        next,
        old,
        next,
      )
    await r.sql.run("update subscriptions set unsubscribed_at = coalesce(unsubscribed_at, ?) where target_kind = 'area' and target_id = ?", r.at, old)
  }
  return moved
}
