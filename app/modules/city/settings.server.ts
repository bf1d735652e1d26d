import { config } from '../../lib/config.server'
import { database } from '../../lib/db.server'
import { defaultRequirements } from '../accounts/policy'
import { recordAudit } from '../moderation/moderation.server'
import { civicActions, settingDefinitions, type CitySettingKey, type CitySettings, type CivicActionName } from './settings-definitions'

/**
 * The council's settings: what an administrator saved at /admin/settings wins; a setting never
 * saved takes its environment variable (read through config(), so PETITION_SPONSORS=0 in a test
 * still works), else Plaza's default. Several app servers share the database, so each process
 * keeps the saved rows for at most CACHE_MS.
 */

const CACHE_MS = 5_000

type Stored = Partial<Record<CitySettingKey, unknown>>
let stored: { at: number; rows: Stored } | null = null
let loading: Promise<Stored> | null = null

async function loadStored(): Promise<Stored> {
  const rows = await database().db.selectFrom('city_settings').select(['key', 'value']).execute()
  const out: Stored = {}
  const known = new Set<string>(settingDefinitions.map((d) => d.key))
  for (const r of rows) {
    if (!known.has(r.key)) continue
    try {
      out[r.key as CitySettingKey] = JSON.parse(r.value) as unknown
    } catch {
      // a broken row counts as unsaved: the default applies
    }
  }
  return out
}

function refresh(): Promise<Stored> {
  loading ??= loadStored()
    .then((rows) => {
      stored = { at: Date.now(), rows }
      return rows
    })
    .finally(() => {
      loading = null
    })
  return loading
}

/** What the environment (or Plaza) gives when nothing is saved. */
export function defaultCitySettings(): CitySettings {
  const c = config()
  const levels = Object.fromEntries(civicActions.map((a) => [a, c.VERIFICATION_LEVELS?.[a] ?? defaultRequirements[a]])) as Record<CivicActionName, number>
  return {
    PROPOSAL_THRESHOLD: c.PROPOSAL_THRESHOLD,
    PROPOSAL_MONTHS: c.PROPOSAL_MONTHS,
    PETITION_SPONSORS: c.PETITION_SPONSORS,
    PETITION_RESPONSE_THRESHOLD: c.PETITION_RESPONSE_THRESHOLD,
    PETITION_DEBATE_THRESHOLD: c.PETITION_DEBATE_THRESHOLD,
    PETITION_MONTHS: c.PETITION_MONTHS,
    PETITION_COUNT_LOGGED_IN: c.PETITION_COUNT_LOGGED_IN,
    PETITION_IP_BURST: c.PETITION_IP_BURST,
    PETITION_IP_HOURLY: c.PETITION_IP_HOURLY,
    VERIFICATION_LEVELS: levels,
    LETTER_RETENTION_DAYS: c.LETTER_RETENTION_DAYS,
    LETTER_SIMILARITY: c.LETTER_SIMILARITY,
    LETTER_CAMPAIGN_SENDERS: c.LETTER_CAMPAIGN_SENDERS,
    MODERATION_AUTO_HIDE: c.MODERATION_AUTO_HIDE,
    PREMODERATION: c.PREMODERATION,
    COMMENT_EDIT_MINUTES: c.COMMENT_EDIT_MINUTES,
    OPEN_DATA_LICENCE: c.OPEN_DATA_LICENCE,
  }
}

function merge(rows: Stored): CitySettings {
  const out = defaultCitySettings() as unknown as Record<string, unknown>
  for (const [key, value] of Object.entries(rows)) {
    if (key === 'VERIFICATION_LEVELS' && value && typeof value === 'object') {
      out[key] = { ...(out[key] as object), ...(value as object) }
    } else if (value !== undefined && value !== null) out[key] = value
  }
  return out as unknown as CitySettings
}

/** The settings in force (at most CACHE_MS old). */
export async function citySettings(): Promise<CitySettings> {
  const rows = stored && Date.now() - stored.at < CACHE_MS ? stored.rows : await refresh()
  return merge(rows)
}

/**
 * For the few synchronous callers (whether a comment may still be edited, the signing limits):
 * the settings as last read, refreshed in the background when older than CACHE_MS.
 */
export function citySettingsNow(): CitySettings {
  if (!stored || Date.now() - stored.at >= CACHE_MS) void refresh().catch(() => undefined)
  return merge(stored?.rows ?? {})
}

/** Which settings an administrator has saved (the rest follow the environment). */
export async function savedSettingKeys(): Promise<Set<CitySettingKey>> {
  return new Set(Object.keys(await loadStored()) as CitySettingKey[])
}

export function forgetCitySettings() {
  stored = null
}

/**
 * Saves the settings an administrator submitted: only those that changed get a row, each change
 * audited with its before and after value. Returns the keys that changed.
 */
export async function saveCitySettings(adminId: number, next: CitySettings): Promise<CitySettingKey[]> {
  const current = merge(await loadStored())
  const at = new Date().toISOString()
  const changed = settingDefinitions.map((d) => d.key).filter((key) => JSON.stringify(current[key]) !== JSON.stringify(next[key]))
  if (changed.length === 0) return []
  await database().write(async (trx) => {
    for (const key of changed) {
      const value = JSON.stringify(next[key])
      await trx
        .insertInto('city_settings')
        .values({ key, value, updated_by: adminId, updated_at: at })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_by: adminId, updated_at: at }))
        .execute()
      await recordAudit(trx, {
        actorId: adminId,
        action: 'settings.change',
        targetKind: 'settings',
        targetId: 0,
        before: { [key]: current[key] },
        after: { [key]: next[key] },
      })
    }
  })
  forgetCitySettings()
  return changed
}
